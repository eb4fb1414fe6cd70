"""The HTTP face of Lading (FastAPI). For now: serving export files behind signed URLs."""
