"""Which ClickHouse functions user SQL may call.

An allow-list (exact names and name families) of pure functions: aggregates, dates, strings, maths,
conditionals, conversions, arrays, JSON, hashing. Checked after a deny-list whose entries the spec
names explicitly (table functions, dictionary accessors, `joinGet`, introspection and server-state
functions), so those get the documented `ACCESS_DENIED` answer rather than a generic refusal.
"""

from __future__ import annotations

import re

# Denied by the spec (Code 497), matched case-insensitively on the whole name or as a prefix.
DENIED_PREFIXES = ("dictget", "dicthas", "dictisin", "joinget", "addressto", "getsetting", "getserversetting",
                   "getmacro", "filesystem", "s3", "hdfs", "remote", "cluster", "url", "mysql", "postgresql",
                   "sqlite", "mongodb", "redis", "odbc", "jdbc", "azureblob", "gcs", "iceberg", "deltalake", "hudi",
                   "hive", "executable", "generaterandom", "sleep", "getclient", "getos", "currentprofiles",
                   "currentroles", "enabledroles", "defaultroles", "currentquota", "getsubcolumn", "initialquery",
                   "queryid", "shard", "getserverport", "buildid", "tcpport", "serveruuid", "zookeeper",
                   "throwif", "getmergetree", "mergetree", "catboost", "naivebayes", "ngramsearch_model")
DENIED_NAMES = {"file", "input", "merge", "numbers", "numbers_mt", "zeros", "zeros_mt", "null", "values", "view",
                "viewifpermitted", "dictionary", "loop", "format", "demangle", "hostname", "fqdn", "uptime",
                "version", "currentuser", "currentdatabase", "currentschemas", "user", "displayname",
                "revision", "timezoneof", "servertimezone", "identity", "ignore", "filesystemavailable", "blocknumber",
                "rowNumberInBlock".lower(), "rownumberinallblocks", "globalvariable", "runningaccumulate",
                "transactionid", "transactionlatestsnapshot", "transactionoldestsnapshot", "has_column_in_table",
                "hascolumnintable", "getsizeofenumtype", "evalmlmethod", "modelevaluate", "partitionid"}

ALLOWED_NAMES = {
    # aggregates
    "count", "sum", "avg", "min", "max", "any", "anylast", "anyheavy", "argmin", "argmax", "uniq", "uniqexact",
    "uniqcombined", "uniqcombined64", "uniqhll12", "uniqtheta", "groupuniqarray", "grouparray", "grouparraysorted",
    "groupconcat", "median", "medianexact", "quantile", "quantiles", "quantileexact", "quantilesexact",
    "quantiletiming", "quantilestiming", "quantiletdigest", "quantilestdigest", "quantiledeterministic",
    "stddevpop", "stddevsamp", "varpop", "varsamp", "stddev", "variance", "covarpop", "covarsamp", "corr",
    "topk", "topkweighted", "sumwithoverflow", "summap", "minmap", "maxmap", "avgweighted", "first_value",
    "last_value", "any_value", "sumkahan", "entropy", "skewpop", "kurtpop", "histogram", "simplelinearregression",
    "retention", "windowfunnel", "sequencematch", "sequencecount", "boundingratio", "deltasum", "mode",
    # window
    "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "laginframe",
    "leadinframe", "nth_value",
    # dates
    "now", "now64", "today", "yesterday", "timezone", "toyear", "toquarter", "tomonth", "todayofyear",
    "todayofmonth", "todayofweek", "tohour", "tominute", "tosecond", "tomillisecond", "tounixtimestamp",
    "tounixtimestamp64milli", "toyyyymm", "toyyyymmdd", "toyyyymmddhhmmss", "toiso_year", "toisoyear",
    "toisoweek", "toweek", "toyearweek", "datediff", "date_diff", "timestampdiff", "age", "dateadd", "date_add",
    "datesub", "date_sub", "timestamp_add", "timestamp_sub", "datetrunc", "date_trunc", "formatdatetime",
    "formatdatetimeinjodasyntax", "parsedatetime", "parsedatetimebesteffort", "parsedatetime64besteffort",
    "parsedatetimebesteffortornull", "parsedatetime64besteffortornull", "parsedatetimebesteffortorzero",
    "fromunixtimestamp", "fromunixtimestamp64milli", "timeslot", "timeslots", "tolastdayofmonth",
    "tolastdayofweek", "tomonday", "addseconds", "addminutes", "addhours", "adddays", "addweeks", "addmonths",
    "addquarters", "addyears", "subtractseconds", "subtractminutes", "subtracthours", "subtractdays",
    "subtractweeks", "subtractmonths", "subtractquarters", "subtractyears", "makedate", "makedatetime",
    "makedatetime64", "monthname", "dayofweek", "dayofmonth", "dayofyear", "year", "month", "day", "hour",
    "minute", "second", "quarter", "week", "tointervalsecond", "tointervalminute", "tointervalhour",
    "tointervalday", "tointervalweek", "tointervalmonth", "tointervalquarter", "tointervalyear",
    # strings
    "length", "lengthutf8", "char_length", "empty", "notempty", "lower", "upper", "lowerutf8", "upperutf8",
    "concat", "concatws", "concat_ws", "substring", "substr", "substringutf8", "left", "right", "leftutf8",
    "rightutf8", "trim", "trimleft", "trimright", "trimboth", "ltrim", "rtrim", "replace", "replaceall",
    "replaceone", "replaceregexpone", "replaceregexpall", "position", "positioncaseinsensitive", "locate",
    "positionutf8", "like", "ilike", "notlike", "notilike", "match", "extract", "extractall", "startswith",
    "endswith", "splitbychar", "splitbystring", "splitbyregexp", "splitbywhitespace", "arraystringconcat",
    "reverse", "repeat", "leftpad", "rightpad", "lpad", "rpad", "format_row", "tostringcuttozero",
    "base64encode", "base64decode", "hex", "unhex", "domain", "domainwithoutwww", "topleveldomain", "protocol",
    "path", "cutwww", "countsubstrings", "multisearchany", "multimatchany", "ngramdistance", "editdistance",
    "levenshteindistance", "initcap", "normalizequery", "trimstring",
    # maths
    "abs", "round", "roundbankers", "floor", "ceil", "ceiling", "trunc", "truncate", "sqrt", "cbrt", "exp",
    "log", "ln", "log2", "log10", "pow", "power", "greatest", "least", "intdiv", "intdivorzero", "modulo",
    "moduloorzero", "plus", "minus", "multiply", "divide", "negate", "sign", "pi", "e", "isnan", "isinfinite",
    "isfinite", "roundtoexp2", "rounddown", "percentage", "gcd", "lcm", "sin", "cos", "tan",
    # logic and comparison
    "if", "multiif", "coalesce", "ifnull", "nullif", "isnull", "isnotnull", "assumenotnull", "tonullable",
    "and", "or", "not", "xor", "equals", "notequals", "less", "greater", "lessorequals", "greaterorequals",
    "in", "notin", "between", "isnullable", "isconstant",
    # conversions
    "tostring", "tofixedstring", "touuid", "touuidornull", "touuidorzero", "todate", "todate32", "todatetime",
    "todatetime64", "todateornull", "todatetimeornull", "todateorzero", "todatetimeorzero", "tobool",
    "todecimal32", "todecimal64", "todecimal128", "totypename", "cast", "accuratecast", "accuratecastornull",
    "reinterpretasstring", "tolowcardinality",
    # arrays, maps, tuples
    "array", "tuple", "map", "has", "hasany", "hasall", "indexof", "countequal", "arrayjoin", "arraymap",
    "arrayfilter", "arrayexists", "arrayall", "arraycount", "arraysum", "arrayavg", "arraymin", "arraymax",
    "arraysort", "arrayreversesort", "arraydistinct", "arrayuniq", "arrayconcat", "arrayslice",
    "arrayelement", "arrayenumerate", "arrayreduce", "arrayflatten", "arraycompact", "arrayzip", "arrayfirst",
    "arraylast", "arrayreverse", "arraypushback", "arraypushfront", "arrayresize", "arrayintersect",
    "arraydifference", "arraycumsum", "range", "emptyarraystring", "mapkeys", "mapvalues", "mapcontains",
    "tupleelement", "untuple",
    # JSON
    "jsonextract", "jsonextractstring", "jsonextractint", "jsonextractuint", "jsonextractfloat",
    "jsonextractbool", "jsonextractraw", "jsonextractkeys", "jsonextractarrayraw", "jsonextractkeysandvalues",
    "jsonhas", "jsonlength", "jsontype", "isvalidjson", "simplejsonextractstring", "simplejsonextractint",
    "simplejsonextractfloat", "simplejsonextractbool", "simplejsonextractraw", "simplejsonhas",
    "json_value", "json_query", "json_exists", "tojsonstring",
    # hashing / misc pure
    "cityhash64", "siphash64", "md5", "sha256", "xxhash64", "murmurhash3_64", "farmhash64", "bar",
    "formatreadablesize", "formatreadablequantity", "formatreadabletimedelta", "runningdifference",
    "generateuuidv4", "rand", "rand64", "randcanonical", "materialize", "toinf",
}
# Families of pure functions: conversions (`toInt32OrNull`, `toStartOfMonth`, …).
ALLOWED_PATTERNS = (re.compile(r"^to(u?int(8|16|32|64|128|256)|float(32|64)|decimal\d*)(ornull|orzero|ordefault)?$"),
                    re.compile(r"^tostartof[a-z0-9]+$"), re.compile(r"^tolastdayof[a-z]+$"))
# Aggregate combinators: `countIf`, `sumArray`, `uniqExactIf`, `avgOrNull`, …
COMBINATORS = ("if", "array", "distinct", "ornull", "ordefault", "foreach", "resample", "argmin", "argmax",
               "map", "simplestate")


def denied(name: str) -> bool:
    low = name.lower()
    return low in DENIED_NAMES or low.startswith(DENIED_PREFIXES)


def allowed(name: str) -> bool:
    low = name.lower()
    if low in ALLOWED_NAMES or any(p.match(low) for p in ALLOWED_PATTERNS):
        return True
    for suffix in COMBINATORS:
        if low.endswith(suffix) and len(low) > len(suffix) and allowed(low[: -len(suffix)]):
            return True
    return False
