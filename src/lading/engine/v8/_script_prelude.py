"""The JavaScript evaluated into every fresh V8 context before a `script` step runs.

Why: bare V8 has no Node globals, and the spec promises a few (`Buffer`, `require` with an
allow-list, a silent `console`, `Date` in UTC). Everything here is plain ECMAScript: nothing
reaches back into Python, so the context stays sealed; `WebAssembly` is removed first, because its
memories live outside the V8 heap that the memory limit measures.

`__lading.start(body, inputJson)` compiles the step's body as a function of
`(nodes, parentNodes)`, runs it and answers "ok:<json>", "err:<text>", "syn:<text>" or "pending"
(a returned promise); `__lading.poll()` answers the same once the promise settles. The entry
points are captured here, before user code runs, so the code cannot replace them.
"""

from __future__ import annotations

PRELUDE = r"""
delete globalThis.WebAssembly;
(function (g) {
  'use strict';
  const define = (obj, name, value) =>
    Object.defineProperty(obj, name, {value, writable: true, configurable: true, enumerable: false});
  const JSONstringify = JSON.stringify, JSONparse = JSON.parse;
  const ObjectFromEntries = Object.fromEntries, ArrayFrom = Array.from, isView = ArrayBuffer.isView;
  const PromiseCtor = Promise, promiseThen = Promise.prototype.then, apply = Reflect.apply;
  const promiseResolve = Promise.resolve;
  const OrigMap = Map, OrigSet = Set, OrigError = Error, OrigSyntaxError = SyntaxError;
  const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

  // ---- console: present, silent ---------------------------------------------------------
  const noop = function () {};
  const quiet = {};
  for (const k of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'dirxml', 'table',
                   'group', 'groupCollapsed', 'groupEnd', 'time', 'timeEnd', 'timeLog', 'assert',
                   'count', 'countReset', 'profile', 'profileEnd', 'timeStamp']) quiet[k] = noop;
  define(g, 'console', quiet);

  // ---- Date pinned to UTC, whatever the host's time zone ----------------------------------
  const OrigDate = Date, DP = OrigDate.prototype;
  const origTzOffset = DP.getTimezoneOffset, getTime = DP.getTime, origParse = OrigDate.parse;
  const origUTC = OrigDate.UTC;
  for (const f of ['FullYear', 'Month', 'Date', 'Day', 'Hours', 'Minutes', 'Seconds', 'Milliseconds']) {
    define(DP, 'get' + f, DP['getUTC' + f]);
    if (f !== 'Day') define(DP, 'set' + f, DP['setUTC' + f]);
  }
  define(DP, 'getYear', function getYear() { return DP.getUTCFullYear.call(this) - 1900; });
  define(DP, 'getTimezoneOffset', function getTimezoneOffset() { getTime.call(this); return 0; });
  const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n, w) => String(n).padStart(w, '0');
  const year = (d) => { const y = d.getUTCFullYear(); return y < 0 ? '-' + pad(-y, 6) : pad(y, 4); };
  const datePart = (d) => `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate(), 2)} ${year(d)}`;
  const timePart = (d) => `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}` +
    ' GMT+0000 (Coordinated Universal Time)';
  const valid = (d) => { const t = getTime.call(d); return t === t; };
  define(DP, 'toString', function toString() {
    return valid(this) ? datePart(this) + ' ' + timePart(this) : 'Invalid Date';
  });
  define(DP, 'toDateString', function toDateString() { return valid(this) ? datePart(this) : 'Invalid Date'; });
  define(DP, 'toTimeString', function toTimeString() { return valid(this) ? timePart(this) : 'Invalid Date'; });
  const withUTC = (options) => {
    const o = Object.assign({}, options === undefined || options === null ? {} : options);
    if (o.timeZone === undefined) o.timeZone = 'UTC';
    return o;
  };
  for (const k of ['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString']) {
    const orig = DP[k];
    define(DP, k, { [k](locales, options) { return apply(orig, this, [locales, withUTC(options)]); } }[k]);
  }
  // Strings without a zone parse as local time; local is UTC here. Date-only ISO is already UTC.
  const ZONE = /(?:Z|[+-]\d\d(?::?\d\d)?|\b(?:GMT|UTC|UT)\b[^)]*|\b[ECMP][SD]T)\s*(?:\([^)]*\))?\s*$/i;
  const DATE_ONLY = /^\s*[+-]?\d{4,6}(?:-\d\d(?:-\d\d)?)?\s*$/;
  const parseUTC = (s) => {
    const t = origParse(s);
    if (t !== t || DATE_ONLY.test(s) || ZONE.test(s)) return t;
    return t - apply(origTzOffset, new OrigDate(t), []) * 60000;
  };
  const parse = function parse(s) { return parseUTC(String(s)); };
  const DateProxy = new Proxy(OrigDate, {
    construct(target, args, newTarget) {
      if (args.length >= 2) args = [apply(origUTC, OrigDate, args)];
      else if (args.length === 1 && typeof args[0] === 'string') args = [parseUTC(args[0])];
      return Reflect.construct(target, args, newTarget === DateProxy ? OrigDate : newTarget);
    },
    apply() { return DP.toString.call(new OrigDate()); },
    get(target, key, receiver) { return key === 'parse' ? parse : Reflect.get(target, key, receiver); },
  });
  define(DP, 'constructor', DateProxy);
  define(g, 'Date', DateProxy);
  if (typeof Intl === 'object' && Intl.DateTimeFormat) {
    const DTF = Intl.DateTimeFormat;
    define(Intl, 'DateTimeFormat', new Proxy(DTF, {
      construct(target, args, newTarget) {
        return Reflect.construct(target, [args[0], withUTC(args[1])], newTarget);
      },
      apply(target, thisArg, args) { return apply(target, thisArg, [args[0], withUTC(args[1])]); },
    }));
  }
  if (typeof Temporal === 'object' && Temporal.Now) try {
    const now = Temporal.Now;
    define(now, 'timeZoneId', function timeZoneId() { return 'UTC'; });
    for (const k of ['zonedDateTimeISO', 'plainDateTimeISO', 'plainDateISO', 'plainTimeISO']) {
      const orig = now[k];
      if (typeof orig !== 'function') continue;
      define(now, k, { [k](tz) { return apply(orig, now, [tz === undefined ? 'UTC' : tz]); } }[k]);
    }
  } catch (_) { /* Temporal is optional */ }

  // ---- bytes: utf-8, base64, hex, latin1 ---------------------------------------------------
  function utf8Encode(s) {
    const out = [];
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
      }
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return out;
  }
  function utf8Decode(b) {
    let s = '';
    for (let i = 0; i < b.length;) {
      const c = b[i];
      let need = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
      if (need < 0 || i + need >= b.length) { s += '\ufffd'; i++; continue; }
      let cp = need === 0 ? c : c & (0x3f >> need);
      let ok = true;
      for (let k = 1; k <= need; k++) {
        const d = b[i + k];
        if ((d & 0xc0) !== 0x80) { ok = false; break; }
        cp = (cp << 6) | (d & 63);
      }
      if (!ok || (need === 2 && cp < 0x800) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
          (cp >= 0xd800 && cp <= 0xdfff)) { s += '\ufffd'; i++; continue; }
      s += String.fromCodePoint(cp);
      i += need + 1;
    }
    return s;
  }
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const B64REV = {};
  for (let i = 0; i < 64; i++) B64REV[B64[i]] = i;
  B64REV['-'] = 62; B64REV['_'] = 63;
  function b64Encode(b, url) {
    let s = '';
    for (let i = 0; i < b.length; i += 3) {
      const n = (b[i] << 16) | ((b[i + 1] || 0) << 8) | (b[i + 2] || 0);
      s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : '=') +
           (i + 2 < b.length ? B64[n & 63] : '=');
    }
    return url ? s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : s;
  }
  function b64Decode(s) {
    const out = [];
    let acc = 0, bits = 0;
    for (const ch of s) {
      const v = B64REV[ch];
      if (v === undefined) { if (ch === '=') break; continue; }
      acc = (acc << 6) | v; bits += 6;
      if (bits >= 8) { bits -= 8; out.push((acc >> bits) & 255); }
    }
    return out;
  }
  const normEnc = (e) => String(e === undefined ? 'utf8' : e).toLowerCase().replace('-', '');
  function encodeString(s, enc) {
    s = String(s);
    switch (normEnc(enc)) {
      case 'utf8': return utf8Encode(s);
      case 'base64': case 'base64url': return b64Decode(s);
      case 'hex': {
        const out = [];
        for (let i = 0; i + 1 < s.length; i += 2) {
          const v = parseInt(s.substr(i, 2), 16);
          if (v !== v) break;
          out.push(v);
        }
        return out;
      }
      case 'latin1': case 'binary': return ArrayFrom(s, (c) => c.charCodeAt(0) & 255);
      case 'ascii': return ArrayFrom(s, (c) => c.charCodeAt(0) & 127);
      case 'utf16le': case 'ucs2': {
        const out = [];
        for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); out.push(c & 255, c >> 8); }
        return out;
      }
      default: throw new TypeError('Unknown encoding: ' + enc);
    }
  }
  function decodeBytes(b, enc) {
    switch (normEnc(enc)) {
      case 'utf8': return utf8Decode(b);
      case 'base64': return b64Encode(b, false);
      case 'base64url': return b64Encode(b, true);
      case 'hex': { let s = ''; for (const v of b) s += pad(v.toString(16), 2); return s; }
      case 'latin1': case 'binary': { let s = ''; for (const v of b) s += String.fromCharCode(v); return s; }
      case 'ascii': { let s = ''; for (const v of b) s += String.fromCharCode(v & 127); return s; }
      case 'utf16le': case 'ucs2': {
        let s = '';
        for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode(b[i] | (b[i + 1] << 8));
        return s;
      }
      default: throw new TypeError('Unknown encoding: ' + enc);
    }
  }
  class Buffer extends Uint8Array {
    static from(value, encOrOffset, length) {
      if (typeof value === 'string') return fromArray(encodeString(value, encOrOffset));
      if (value instanceof ArrayBuffer) {
        const off = encOrOffset || 0;
        return new Buffer(value, off, length === undefined ? value.byteLength - off : length);
      }
      if (value && value.type === 'Buffer' && Array.isArray(value.data)) return Buffer.from(value.data);
      if (isView(value)) return new Buffer(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      if (value && typeof value.length === 'number') return fromArray(ArrayFrom(value, (v) => v & 255));
      throw new TypeError('The first argument must be a string, Buffer, ArrayBuffer, Array, or array-like object.');
    }
    static alloc(size, fill, enc) {
      const b = new Buffer(size);
      if (fill !== undefined && fill !== 0) {
        const src = typeof fill === 'string' ? encodeString(fill, enc) : [fill & 255];
        for (let i = 0; i < size && src.length; i++) b[i] = src[i % src.length];
      }
      return b;
    }
    static allocUnsafe(size) { return new Buffer(size); }
    static isBuffer(x) { return x instanceof Buffer; }
    static isEncoding(e) { try { encodeString('', e); return true; } catch (_) { return false; } }
    static byteLength(s, enc) { return typeof s === 'string' ? encodeString(s, enc).length : s.byteLength; }
    static concat(list, total) {
      const size = total === undefined ? list.reduce((n, b) => n + b.length, 0) : total;
      const out = new Buffer(size);
      let at = 0;
      for (const b of list) { for (let i = 0; i < b.length && at < size; i++) out[at++] = b[i]; }
      return out;
    }
    static compare(a, b) { return a.compare(b); }
    toString(enc, start, end) {
      return decodeBytes(this.subarray(start || 0, end === undefined ? this.length : end), enc);
    }
    toJSON() { return {type: 'Buffer', data: ArrayFrom(this)}; }
    equals(other) { return this.compare(other) === 0; }
    compare(other) {
      const n = Math.min(this.length, other.length);
      for (let i = 0; i < n; i++) if (this[i] !== other[i]) return this[i] < other[i] ? -1 : 1;
      return this.length === other.length ? 0 : this.length < other.length ? -1 : 1;
    }
    slice(start, end) { return this.subarray(start, end); }
    write(s, offset, length, enc) {
      if (typeof offset === 'string') { enc = offset; offset = 0; }
      const src = encodeString(s, enc), at = offset || 0;
      const n = Math.min(src.length, this.length - at, length === undefined ? Infinity : length);
      for (let i = 0; i < n; i++) this[at + i] = src[i];
      return n;
    }
  }
  const fromArray = (arr) => { const b = new Buffer(arr.length); b.set(arr); return b; };
  define(g, 'Buffer', Buffer);
  define(g, 'btoa', function btoa(s) {
    s = String(s);
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) throw new OrigError('Invalid character');
    return b64Encode(encodeString(s, 'latin1'), false);
  });
  define(g, 'atob', function atob(s) { return decodeBytes(b64Decode(String(s).replace(/\s+/g, '')), 'latin1'); });
  define(g, 'TextEncoder', class TextEncoder {
    get encoding() { return 'utf-8'; }
    encode(s) { return new Uint8Array(utf8Encode(String(s === undefined ? '' : s))); }
  });
  define(g, 'TextDecoder', class TextDecoder {
    get encoding() { return 'utf-8'; }
    decode(b) {
      if (b === undefined) return '';
      return utf8Decode(isView(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b));
    }
  });

  // ---- randomness: ChaCha20 keyed per run by the host ------------------------------------
  let rngKey = null, rngCounter = 0, rngPool = [];
  const rotl = (v, n) => (v << n) | (v >>> (32 - n));
  function chachaBlock(key, counter, nonce) {
    const s = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574, ...key, counter >>> 0, ...nonce];
    const x = s.slice();
    const qr = (a, b, c, d) => {
      x[a] = (x[a] + x[b]) | 0; x[d] = rotl(x[d] ^ x[a], 16);
      x[c] = (x[c] + x[d]) | 0; x[b] = rotl(x[b] ^ x[c], 12);
      x[a] = (x[a] + x[b]) | 0; x[d] = rotl(x[d] ^ x[a], 8);
      x[c] = (x[c] + x[d]) | 0; x[b] = rotl(x[b] ^ x[c], 7);
    };
    for (let i = 0; i < 10; i++) {
      qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15);
      qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14);
    }
    const out = [];
    for (let i = 0; i < 16; i++) {
      const w = (x[i] + s[i]) >>> 0;
      out.push(w & 255, (w >>> 8) & 255, (w >>> 16) & 255, w >>> 24);
    }
    return out;
  }
  const words = (bytes) => {
    const w = [];
    for (let i = 0; i < bytes.length; i += 4) {
      w.push((bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) >>> 0);
    }
    return w;
  };
  function randomBytes(n) {
    if (rngKey === null) throw new OrigError('no random source');
    const out = [];
    while (out.length < n) {
      if (!rngPool.length) rngPool = chachaBlock(rngKey, rngCounter++, [0, 0, 0]);
      out.push(rngPool.shift());
    }
    return out;
  }
  function uuidv4() {
    const b = randomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = b.map((v) => pad(v.toString(16), 2)).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  define(g, 'crypto', Object.freeze({
    getRandomValues(arr) {
      if (!isView(arr) || arr instanceof Float32Array || arr instanceof Float64Array) {
        throw new TypeError('getRandomValues needs an integer typed array');
      }
      const bytes = randomBytes(arr.byteLength);
      new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).set(bytes);
      return arr;
    },
    randomUUID: uuidv4,
  }));

  // ---- require(): the documented allow-list ----------------------------------------------
  const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const uuidModule = Object.freeze({
    v4: uuidv4,
    NIL: '00000000-0000-0000-0000-000000000000',
    MAX: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
    validate: (s) => typeof s === 'string' && UUID_RE.test(s),
    version: (s) => {
      if (typeof s !== 'string' || !UUID_RE.test(s)) throw new TypeError('Invalid UUID');
      return parseInt(s[14], 16);
    },
  });
  const ALLOWED = ['axios', 'cheerio', 'crypto-js', 'date-fns', 'jsonschema', 'lodash', 'url', 'uuid', 'zod'];
  const BUNDLED = {uuid: uuidModule};
  define(g, 'require', function require(name) {
    name = String(name);
    const base = name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0];
    if (base === name && hasOwn(BUNDLED, name)) return BUNDLED[name];
    if (ALLOWED.includes(base)) throw new OrigError(`module '${name}' is not available in this installation`);
    throw new OrigError(`module '${name}' is not allowed`);
  });

  // ---- running the step ------------------------------------------------------------------
  const AsyncFunction = (async function () {}).constructor;
  const describe = (e) => {
    try {
      const errorLike = e !== null && typeof e === 'object' && typeof e.name === 'string' &&
        typeof e.message === 'string';
      if (e instanceof OrigError || errorLike) {
        return e.message ? `${e.name}: ${e.message}` : String(e.name);
      }
      if (typeof e === 'string') return e;
      const j = JSONstringify(e);
      return j === undefined ? String(e) : j;
    } catch (_) {
      return 'Error: (the thrown value could not be printed)';
    }
  };
  const replacer = function (key, value) {
    if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
    if (value instanceof OrigMap) return ObjectFromEntries(ArrayFrom(value, ([k, v]) => [String(k), v]));
    if (value instanceof OrigSet) return ArrayFrom(value);
    if (isView(value) && !(value instanceof DataView)) {
      return ArrayFrom(value, (v) => (typeof v === 'bigint' ? String(v) : v));
    }
    return value;
  };
  let state = 'pending';
  const finish = (value) => {
    try {
      const text = JSONstringify(value, replacer);
      return 'ok:' + (text === undefined ? 'null' : text);
    } catch (e) {
      return 'err:' + describe(e);
    }
  };
  const fail = (e) => 'err:' + describe(e);
  let started = false;
  const api = Object.freeze({
    seed(hex) {
      if (rngKey !== null) return;
      const bytes = [];
      for (let i = 0; i < 64; i += 2) bytes.push(parseInt(hex.substr(i, 2), 16));
      rngKey = words(bytes);
    },
    chachaBlock,
    start(body, input) {
      if (started) return 'err:Error: already started';
      started = true;
      let fn;
      try {
        fn = new Function('nodes', 'parentNodes', body);
      } catch (e) {
        if (!(e instanceof OrigSyntaxError)) return fail(e);
        try { fn = new AsyncFunction('nodes', 'parentNodes', body); } catch (_) { return 'syn:' + describe(e); }
      }
      const data = JSONparse(input);
      let value;
      try { value = fn.call(undefined, data.nodes, data.parentNodes); } catch (e) { return fail(e); }
      let thenable = false;
      try {
        thenable = value !== null && (typeof value === 'object' || typeof value === 'function') &&
          typeof value.then === 'function';
      } catch (e) {
        return fail(e);
      }
      if (!thenable) return finish(value);
      const settled = apply(promiseResolve, PromiseCtor, [value]);
      apply(promiseThen, settled, [(v) => { state = finish(v); }, (e) => { state = fail(e); }]);
      return state;
    },
    poll() { return state; },
  });
  Object.defineProperty(g, '__lading', {value: api, writable: false, configurable: false, enumerable: false});
})(globalThis);
"""
