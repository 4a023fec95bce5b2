/* C versions of the per-message steps of the chat parser (chats/whatsapp/steps.py).
 *
 * Each function returns exactly what its Python counterpart returns (tests/unit/
 * test_chat_speedups.py checks them against each other on generated input); chats.whatsapp.steps
 * uses them when this module is built and runs the Python otherwise.
 *
 *   split(text, ios)                   == SPLIT[layout].split(text)  (chats.whatsapp.grammar)
 *   timestamps(records, dates, times)  == parse_steps.timestamps(records, dates, times)
 *   columns(records, line, names, ios) == parse_steps.columns(records, line, names, layout)
 *   rows(Message, columns)             == parse_steps.rows(Message, columns), lazily
 *   json_rows(columns)                 == parse_steps.json_rows(columns)  (or None: see there)
 *
 * The header matcher below is the header expression of chats.whatsapp.grammar written out by hand.
 * Every optional part of that expression is possessive or cannot give anything back that what
 * follows could use, so one left-to-right pass with the few retries noted here matches what
 * the regular expression matches.
 */
#define PY_SSIZE_T_CLEAN
#define _GNU_SOURCE
#include <Python.h>
#include <string.h>

typedef struct {
    Py_ssize_t date0, date1, time0, time1, sender0, sender1, lrm;
} Header;

static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline int is_sep(unsigned char c) { return c == '.' || c == '/' || c == '-'; }
static inline int is_colon_or_dot(unsigned char c) { return c == ':' || c == '.'; }

/* A word between date and time: [A-Za-z\x80-\xff] */
static inline int is_word_byte(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c >= 0x80;
}

static inline Py_ssize_t digit_run(const unsigned char *s, Py_ssize_t n, Py_ssize_t q)
{
    Py_ssize_t k = 0;
    while (q + k < n && is_digit(s[q + k]))
        k++;
    return k;
}

/* Length of a space or U+00A0 at q, 0 if none. */
static inline Py_ssize_t space_at(const unsigned char *s, Py_ssize_t n, Py_ssize_t q)
{
    if (q < n && s[q] == ' ')
        return 1;
    if (q + 1 < n && s[q] == 0xC2 && s[q + 1] == 0xA0)
        return 2;
    return 0;
}

/* Length of a space, U+00A0 or U+202F at q, 0 if none. */
static inline Py_ssize_t space3_at(const unsigned char *s, Py_ssize_t n, Py_ssize_t q)
{
    Py_ssize_t k = space_at(s, n, q);
    if (k)
        return k;
    if (q + 2 < n && s[q] == 0xE2 && s[q + 1] == 0x80 && s[q + 2] == 0xAF)
        return 3;
    return 0;
}

/* U+200E/F, U+202A-E, U+2066-9 at q. */
static inline int bidi_at(const unsigned char *s, Py_ssize_t n, Py_ssize_t q)
{
    if (q + 2 >= n || s[q] != 0xE2)
        return 0;
    if (s[q + 1] == 0x80)
        return s[q + 2] == 0x8E || s[q + 2] == 0x8F || (s[q + 2] >= 0xAA && s[q + 2] <= 0xAE);
    return s[q + 1] == 0x81 && s[q + 2] >= 0xA6 && s[q + 2] <= 0xA9;
}

/* One date field of 1..max digits followed by a separator and an optional space. */
static inline Py_ssize_t field_sep(const unsigned char *s, Py_ssize_t n, Py_ssize_t q, int max)
{
    Py_ssize_t k = digit_run(s, n, q);
    if (k < 1 || k > max)
        return -1;
    q += k;
    if (q >= n || !is_sep(s[q]))
        return -1;
    q++;
    if (q < n && s[q] == ' ')
        q++;
    return q;
}

/* The header starting at the newline s[p]; its end, or -1 when there is none. */
static Py_ssize_t match_header(const unsigned char *s, Py_ssize_t n, Py_ssize_t p, int ios,
                               Header *h)
{
    Py_ssize_t q = p + 1, k, r;

    while (bidi_at(s, n, q))
        q += 3;
    if (ios) {
        if (q >= n || s[q] != '[')
            return -1;
        q++;
    }
    /* DATE: \d{1,4} SEP \d{1,2} SEP \d{1,4} \.? */
    h->date0 = q;
    if ((q = field_sep(s, n, q, 4)) < 0 || (q = field_sep(s, n, q, 2)) < 0)
        return -1;
    k = digit_run(s, n, q);
    if (k < 1 || k > 4)
        return -1;
    q += k;
    if (q < n && s[q] == '.')
        q++;
    /* ,? SPACE */
    if (q < n && s[q] == ',')
        q++;
    if (!(k = space_at(s, n, q)))
        return -1;
    q += k;
    /* WORD, possessive: the longest run of word bytes that an optional dot and a space follow
       (the run may have to give back bytes of a U+00A0, which are word bytes too). */
    k = 0;
    while (q + k < n && is_word_byte(s[q + k]))
        k++;
    for (; k >= 1; k--) {
        Py_ssize_t sp;
        r = q + k;
        if (r < n && s[r] == '.' && (sp = space_at(s, n, r + 1))) {
            q = r + 1 + sp;
            break;
        }
        if ((sp = space_at(s, n, r))) {
            q = r + sp;
            break;
        }
    }
    /* The date span holds all before the time (date, comma, space, word): the file's layout. */
    h->date1 = q;
    /* TIME: [0-2]?\d [:.] [0-5]\d ([:.][0-5]\d)?+ AMPM?+ */
    h->time0 = q;
    if (q + 2 < n && s[q] >= '0' && s[q] <= '2' && is_digit(s[q + 1]) && is_colon_or_dot(s[q + 2]))
        q += 3;
    else if (q + 1 < n && is_digit(s[q]) && is_colon_or_dot(s[q + 1]))
        q += 2;
    else
        return -1;
    if (!(q + 1 < n && s[q] >= '0' && s[q] <= '5' && is_digit(s[q + 1])))
        return -1;
    q += 2;
    if (q + 2 < n && is_colon_or_dot(s[q]) && s[q + 1] >= '0' && s[q + 1] <= '5' &&
        is_digit(s[q + 2]))
        q += 3;
    /* AMPM: SPACE3 [AaPp] \.? SPACE3? [Mm] \.? */
    r = q;
    if ((k = space3_at(s, n, r))) {
        r += k;
        if (r < n && (s[r] == 'A' || s[r] == 'a' || s[r] == 'P' || s[r] == 'p')) {
            r++;
            if (r < n && s[r] == '.')
                r++;
            r += space3_at(s, n, r);
            if (r < n && (s[r] == 'M' || s[r] == 'm')) {
                r++;
                if (r < n && s[r] == '.')
                    r++;
                q = r;
            }
        }
    }
    h->time1 = q;
    if (ios) {
        if (!(q + 1 < n && s[q] == ']' && s[q + 1] == ' '))
            return -1;
        q += 2;
    }
    else {
        if (!(q + 2 < n && s[q] == ' ' && s[q + 1] == '-' && s[q + 2] == ' '))
            return -1;
        q += 3;
    }
    /* SENDER, possessive: up to the first ": " of the line. */
    h->sender0 = h->sender1 = -1;
    for (r = q; r + 1 < n && s[r] != '\n'; r++) {
        if (s[r] == ':' && s[r + 1] == ' ') {
            h->sender0 = q;
            h->sender1 = r;
            q = r + 2;
            break;
        }
    }
    /* A leading U+200E of the text, possessive. */
    h->lrm = -1;
    if (q + 2 < n && s[q] == 0xE2 && s[q + 1] == 0x80 && s[q + 2] == 0x8E) {
        h->lrm = q;
        q += 3;
    }
    return q;
}

static int append_new(PyObject *list, PyObject *item)
{
    int failed;
    if (item == NULL)
        return -1;
    failed = PyList_Append(list, item);
    Py_DECREF(item);
    return failed;
}

static int append_span(PyObject *list, const unsigned char *s, Py_ssize_t a, Py_ssize_t b)
{
    return append_new(list, PyBytes_FromStringAndSize((const char *)s + a, b - a));
}

static PyObject *split(PyObject *module, PyObject *args)
{
    PyObject *text, *out;
    int ios;
    const unsigned char *s;
    Py_ssize_t n, p = 0, piece = 0;
    Header h;

    if (!PyArg_ParseTuple(args, "Sp:split", &text, &ios))
        return NULL;
    s = (const unsigned char *)PyBytes_AS_STRING(text);
    n = PyBytes_GET_SIZE(text);
    if ((out = PyList_New(0)) == NULL)
        return NULL;
    while (p < n) {
        const unsigned char *newline = memchr(s + p, '\n', (size_t)(n - p));
        Py_ssize_t end;
        if (newline == NULL)
            break;
        p = newline - s;
        end = match_header(s, n, p, ios, &h);
        if (end < 0) {
            p++;
            continue;
        }
        if (append_span(out, s, piece, p) < 0 || append_span(out, s, h.date0, h.date1) < 0 ||
            append_span(out, s, h.time0, h.time1) < 0)
            goto fail;
        if (h.sender0 < 0 ? PyList_Append(out, Py_None) < 0
                          : append_span(out, s, h.sender0, h.sender1) < 0)
            goto fail;
        if (h.lrm < 0 ? PyList_Append(out, Py_None) < 0 : append_span(out, s, h.lrm, h.lrm + 3) < 0)
            goto fail;
        piece = p = end;
    }
    if (append_span(out, s, piece, n) < 0)
        goto fail;
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

static int same_bytes(PyObject *a, PyObject *b)
{
    return a != NULL && PyBytes_CheckExact(a) && PyBytes_CheckExact(b) &&
           PyBytes_GET_SIZE(a) == PyBytes_GET_SIZE(b) &&
           memcmp(PyBytes_AS_STRING(a), PyBytes_AS_STRING(b), (size_t)PyBytes_GET_SIZE(a)) == 0;
}

/* dates[raw] + times[raw] for every record; TypeError when a value is None, as `+` raises.
   Consecutive messages mostly share their date and often their minute: a value equal to the
   previous one reuses its lookup (and, when both match, its string). */
static PyObject *timestamps(PyObject *module, PyObject *args)
{
    PyObject *records, *dates, *times, *out;
    PyObject *last_date = NULL, *last_time = NULL, *date_value = NULL, *time_value = NULL;
    PyObject *stamp = NULL;
    Py_ssize_t count, i;

    if (!PyArg_ParseTuple(args, "O!OO:timestamps", &PyList_Type, &records, &dates, &times))
        return NULL;
    if (PyList_GET_SIZE(records) % 5 != 0) {
        PyErr_SetString(PyExc_ValueError, "records must hold five fields per message");
        return NULL;
    }
    count = PyList_GET_SIZE(records) / 5;
    if ((out = PyList_New(count)) == NULL)
        return NULL;
    for (i = 0; i < count; i++) {
        PyObject *date = PyList_GET_ITEM(records, 5 * i);
        PyObject *time = PyList_GET_ITEM(records, 5 * i + 1);
        int reuse = stamp != NULL;
        if (!same_bytes(last_date, date)) {
            Py_XDECREF(date_value);
            if ((date_value = PyObject_GetItem(dates, date)) == NULL)
                goto fail;
            Py_INCREF(date);
            Py_XSETREF(last_date, date);
            reuse = 0;
        }
        if (!same_bytes(last_time, time)) {
            Py_XDECREF(time_value);
            if ((time_value = PyObject_GetItem(times, time)) == NULL)
                goto fail;
            Py_INCREF(time);
            Py_XSETREF(last_time, time);
            reuse = 0;
        }
        if (!reuse) {
            Py_CLEAR(stamp);
            if (!PyUnicode_Check(date_value) || !PyUnicode_Check(time_value)) {
                PyErr_SetString(PyExc_TypeError, "an impossible date or time");
                goto fail;
            }
            if ((stamp = PyUnicode_Concat(date_value, time_value)) == NULL)
                goto fail;
        }
        Py_INCREF(stamp);
        PyList_SET_ITEM(out, i, stamp);
    }
    Py_XDECREF(last_date);
    Py_XDECREF(last_time);
    Py_XDECREF(date_value);
    Py_XDECREF(time_value);
    Py_XDECREF(stamp);
    return out;
fail:
    Py_XDECREF(last_date);
    Py_XDECREF(last_time);
    Py_XDECREF(date_value);
    Py_XDECREF(time_value);
    Py_XDECREF(stamp);
    Py_DECREF(out);
    return NULL;
}

/* Whether the bytes contain "omitted" or "attached": both have "tt" at a known place. */
static int may_hold_media(const char *s, Py_ssize_t size)
{
    const char *at = s, *end = s + size;
    while (end - at >= 2 && (at = memchr(at, 't', (size_t)(end - at - 1))) != NULL) {
        if (at[1] == 't') {
            if (at - s >= 3 && end - at >= 4 && memcmp(at - 3, "omitted", 7) == 0)
                return 1;
            if (at - s >= 1 && end - at >= 7 && memcmp(at - 1, "attached", 8) == 0)
                return 1;
        }
        at++;
    }
    return 0;
}

/* names[sender] for the last few distinct senders, compared by content: a chunk's messages
   come from a handful of people, and hashing every sender's bytes would cost more. */
#define SENDER_SLOTS 8
typedef struct {
    PyObject *raw[SENDER_SLOTS], *value[SENDER_SLOTS];
    int next;
} Senders;

static PyObject *sender_name(Senders *cache, PyObject *names, PyObject *sender)
{
    PyObject *value;
    int i;
    for (i = 0; i < SENDER_SLOTS; i++) {
        if (same_bytes(cache->raw[i], sender)) {
            Py_INCREF(cache->value[i]);
            return cache->value[i];
        }
    }
    if ((value = PyObject_GetItem(names, sender)) == NULL)
        return NULL;
    i = cache->next;
    cache->next = (i + 1) % SENDER_SLOTS;
    Py_INCREF(sender);
    Py_XSETREF(cache->raw[i], sender);
    Py_INCREF(value);
    Py_XSETREF(cache->value[i], value);
    return value;
}

static void senders_clear(Senders *cache)
{
    int i;
    for (i = 0; i < SENDER_SLOTS; i++) {
        Py_CLEAR(cache->raw[i]);
        Py_CLEAR(cache->value[i]);
    }
}

/* The columns of flat records (five fields per message) and the line after them:
   (who, bodies, system, lines, after, media, events). `who` is names[sender]; `media` are the
   indexes of bodies that may hold an attachment (they contain "omitted" or "attached"; being
   ASCII, the words are in the bytes exactly when they are in the decoded text); `events` are
   the indexes of messages that may be group events: iOS, a sender and a leading U+200E;
   Android, a double quote in the sender. */
static PyObject *columns(PyObject *module, PyObject *args)
{
    PyObject *records, *names, *who = NULL, *texts = NULL, *system = NULL, *lines = NULL;
    PyObject *media = NULL, *events = NULL;
    Py_ssize_t line, count, i;
    int ios;
    Senders cache = {{NULL}, {NULL}, 0};

    if (!PyArg_ParseTuple(args, "O!nOp:columns", &PyList_Type, &records, &line, &names, &ios))
        return NULL;
    if (PyList_GET_SIZE(records) % 5 != 0) {
        PyErr_SetString(PyExc_ValueError, "records must hold five fields per message");
        return NULL;
    }
    count = PyList_GET_SIZE(records) / 5;
    if ((who = PyList_New(count)) == NULL || (texts = PyList_New(count)) == NULL ||
        (system = PyList_New(count)) == NULL || (lines = PyList_New(count)) == NULL ||
        (media = PyList_New(0)) == NULL || (events = PyList_New(0)) == NULL)
        goto fail;
    for (i = 0; i < count; i++) {
        PyObject *sender = PyList_GET_ITEM(records, 5 * i + 2);
        PyObject *lrm = PyList_GET_ITEM(records, 5 * i + 3);
        PyObject *body = PyList_GET_ITEM(records, 5 * i + 4), *item;
        const char *s, *at, *end;
        Py_ssize_t size;
        int event;

        if (!PyBytes_Check(body) || (sender != Py_None && !PyBytes_Check(sender))) {
            PyErr_SetString(PyExc_TypeError, "senders and bodies must be bytes");
            goto fail;
        }
        if (sender == Py_None) {
            item = Py_None;
            Py_INCREF(item);
        }
        else if ((item = sender_name(&cache, names, sender)) == NULL)
            goto fail;
        PyList_SET_ITEM(who, i, item);
        item = sender == Py_None ? Py_True : Py_False;
        Py_INCREF(item);
        PyList_SET_ITEM(system, i, item);
        if (sender == Py_None)
            event = 0;
        else if (ios)
            event = lrm != Py_None;
        else
            event = memchr(PyBytes_AS_STRING(sender), '"', (size_t)PyBytes_GET_SIZE(sender)) != NULL;
        if (event && append_new(events, PyLong_FromSsize_t(i)) < 0)
            goto fail;

        s = PyBytes_AS_STRING(body);
        size = PyBytes_GET_SIZE(body);
        if ((item = PyUnicode_DecodeUTF8(s, size, "replace")) == NULL)
            goto fail;
        PyList_SET_ITEM(texts, i, item);
        if ((item = PyLong_FromSsize_t(line)) == NULL)
            goto fail;
        PyList_SET_ITEM(lines, i, item);
        line++;
        for (at = s, end = s + size; (at = memchr(at, '\n', (size_t)(end - at))) != NULL; at++)
            line++;
        if (may_hold_media(s, size)) {
            if (append_new(media, PyLong_FromSsize_t(i)) < 0)
                goto fail;
        }
    }
    senders_clear(&cache);
    return Py_BuildValue("NNNNnNN", who, texts, system, lines, line, media, events);
fail:
    senders_clear(&cache);
    Py_XDECREF(who);
    Py_XDECREF(texts);
    Py_XDECREF(system);
    Py_XDECREF(lines);
    Py_XDECREF(media);
    Py_XDECREF(events);
    return NULL;
}

static int atoms_only(PyObject *row)
{
    Py_ssize_t j;
    for (j = 0; j < PyTuple_GET_SIZE(row); j++) {
        PyObject *item = PyTuple_GET_ITEM(row, j);
        if (!(item == Py_None || PyUnicode_CheckExact(item) || PyLong_CheckExact(item) ||
              PyBool_Check(item)))
            return 0;
    }
    return 1;
}

/* An iterator over instances of `type` (a tuple subclass, chats.whatsapp.parser.Message) made from
   columns of equal length: what map(tuple.__new__, repeat(type), zip(*columns)) gives, one
   copy fewer. Lazy, so that a consumer that drops each row keeps the collector idle. */
typedef struct {
    PyObject_HEAD
    PyTypeObject *type;
    PyObject *columns;
    Py_ssize_t next, count;
} Rows;

static void rows_dealloc(Rows *self)
{
    Py_XDECREF(self->type);
    Py_XDECREF(self->columns);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *rows_next(Rows *self)
{
    Py_ssize_t width = PyTuple_GET_SIZE(self->columns), j;
    PyObject *row;

    if (self->next >= self->count)
        return NULL;
    for (j = 0; j < width; j++) {
        if (PyList_GET_SIZE(PyTuple_GET_ITEM(self->columns, j)) <= self->next) {
            PyErr_SetString(PyExc_RuntimeError, "a column was shortened while rows were made");
            return NULL;
        }
    }
    if ((row = self->type->tp_alloc(self->type, width)) == NULL)
        return NULL;
    for (j = 0; j < width; j++) {
        PyObject *item = PyList_GET_ITEM(PyTuple_GET_ITEM(self->columns, j), self->next);
        Py_INCREF(item);
        PyTuple_SET_ITEM(row, j, item);
    }
    self->next++;
    /* Rows of strings, numbers and None cannot be part of a cycle; the collector would
       untrack them on its first pass. */
    if (atoms_only(row))
        PyObject_GC_UnTrack(row);
    return row;
}

static PyTypeObject RowsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "chats.whatsapp._speedups.Rows",
    .tp_basicsize = sizeof(Rows),
    .tp_dealloc = (destructor)rows_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)rows_next,
};

static PyObject *rows(PyObject *module, PyObject *args)
{
    PyTypeObject *type;
    PyObject *columns;
    Py_ssize_t width, count = 0, j;
    Rows *self;

    if (!PyArg_ParseTuple(args, "O!O!:rows", &PyType_Type, &type, &PyTuple_Type, &columns))
        return NULL;
    if (!PyType_IsSubtype(type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "rows are made of a tuple subclass");
        return NULL;
    }
    width = PyTuple_GET_SIZE(columns);
    if (width == 0) {
        PyErr_SetString(PyExc_ValueError, "no columns");
        return NULL;
    }
    for (j = 0; j < width; j++) {
        PyObject *column = PyTuple_GET_ITEM(columns, j);
        if (!PyList_Check(column)) {
            PyErr_SetString(PyExc_TypeError, "columns must be lists");
            return NULL;
        }
        if (j == 0)
            count = PyList_GET_SIZE(column);
        else if (PyList_GET_SIZE(column) != count) {
            PyErr_SetString(PyExc_ValueError, "columns differ in length");
            return NULL;
        }
    }
    if ((self = PyObject_New(Rows, &RowsType)) == NULL)
        return NULL;
    Py_INCREF(type);
    self->type = type;
    /* A copy of the tuple of lists: the lists themselves are not changed after this. */
    if ((self->columns = PyTuple_GetSlice(columns, 0, width)) == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    self->next = 0;
    self->count = count;
    return (PyObject *)self;
}

/* json_rows(columns) == steps.json_rows(columns) in Python: the messages of MessageColumns
   as JSON objects, ",\n" between them, as json.dumps(ensure_ascii=False) writes each. Built
   as UTF-8 (the escapes only ever concern ASCII bytes: '"', '\\' and those below 0x20) and
   decoded once. None when a value is not what the parser makes (a string that is no valid
   UTF-8, such as a lone surrogate, or a line number over Py_ssize_t): the caller then runs
   the Python. */
typedef struct {
    char *data;
    Py_ssize_t size, capacity;
} Buffer;

static int reserve(Buffer *b, Py_ssize_t more)
{
    char *grown;
    Py_ssize_t capacity = b->capacity;
    if (b->size + more <= capacity)
        return 0;
    while (b->size + more > capacity)
        capacity = capacity ? capacity * 2 : 1 << 16;
    if ((grown = PyMem_Realloc(b->data, (size_t)capacity)) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = grown;
    b->capacity = capacity;
    return 0;
}

static int put(Buffer *b, const char *text, Py_ssize_t size)
{
    if (reserve(b, size) < 0)
        return -1;
    memcpy(b->data + b->size, text, (size_t)size);
    b->size += size;
    return 0;
}

#define PUT_LITERAL(b, text) put((b), (text), (Py_ssize_t)(sizeof(text) - 1))

/* 1 done, 0 not UTF-8-encodable (no error set), -1 error. */
static int put_string(Buffer *b, PyObject *value, int quote)
{
    static const char hex[] = "0123456789abcdef";
    Py_ssize_t size, i, start = 0;
    const char *s;
    if (!PyUnicode_Check(value))
        return 0;
    if ((s = PyUnicode_AsUTF8AndSize(value, &size)) == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError))
            return -1;
        PyErr_Clear();
        return 0;
    }
    if (!quote)
        return put(b, s, size) < 0 ? -1 : 1;
    if (reserve(b, size + 2) < 0)
        return -1;
    b->data[b->size++] = '"';
    for (i = 0; i < size; i++) {
        unsigned char c = (unsigned char)s[i];
        char escape[6];
        Py_ssize_t n = 2;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (put(b, s + start, i - start) < 0)
            return -1;
        start = i + 1;
        escape[0] = '\\';
        switch (c) {
        case '"': escape[1] = '"'; break;
        case '\\': escape[1] = '\\'; break;
        case '\b': escape[1] = 'b'; break;
        case '\f': escape[1] = 'f'; break;
        case '\n': escape[1] = 'n'; break;
        case '\r': escape[1] = 'r'; break;
        case '\t': escape[1] = 't'; break;
        default:
            escape[1] = 'u';
            escape[2] = '0';
            escape[3] = '0';
            escape[4] = hex[c >> 4];
            escape[5] = hex[c & 0xf];
            n = 6;
        }
        if (put(b, escape, n) < 0)
            return -1;
    }
    if (put(b, s + start, size - start) < 0 || PUT_LITERAL(b, "\"") < 0)
        return -1;
    return 1;
}

static PyObject *json_rows(PyObject *module, PyObject *args)
{
    PyObject *columns, *lists[6], *out = NULL;
    Py_ssize_t count, i, j;
    Buffer b = {NULL, 0, 0};
    char number[32];
    int done = 1, flag;

    if (!PyArg_ParseTuple(args, "O!:json_rows", &PyTuple_Type, &columns))
        return NULL;
    if (PyTuple_GET_SIZE(columns) != 6) {
        PyErr_SetString(PyExc_ValueError, "six columns: timestamp, sender, message, system, "
                                          "has_media, line");
        return NULL;
    }
    for (j = 0; j < 6; j++) {
        lists[j] = PyTuple_GET_ITEM(columns, j);
        if (!PyList_Check(lists[j])) {
            PyErr_SetString(PyExc_TypeError, "columns must be lists");
            return NULL;
        }
        if (PyList_GET_SIZE(lists[j]) != PyList_GET_SIZE(lists[0])) {
            PyErr_SetString(PyExc_ValueError, "columns differ in length");
            return NULL;
        }
    }
    count = PyList_GET_SIZE(lists[0]);
    for (i = 0; i < count; i++) {
        PyObject *sender = PyList_GET_ITEM(lists[1], i);
        Py_ssize_t line;
        if (i > 0 && PUT_LITERAL(&b, ",\n") < 0)
            goto fail;
        if (PUT_LITERAL(&b, "{\"timestamp\": \"") < 0)
            goto fail;
        if ((done = put_string(&b, PyList_GET_ITEM(lists[0], i), 0)) <= 0)
            goto unusual;
        if (PUT_LITERAL(&b, "\", \"sender\": ") < 0)
            goto fail;
        if (sender == Py_None) {
            if (PUT_LITERAL(&b, "null") < 0)
                goto fail;
        }
        else if ((done = put_string(&b, sender, 1)) <= 0)
            goto unusual;
        if (PUT_LITERAL(&b, ", \"message\": ") < 0)
            goto fail;
        if ((done = put_string(&b, PyList_GET_ITEM(lists[2], i), 1)) <= 0)
            goto unusual;
        for (j = 3; j < 5; j++) {
            if ((flag = PyObject_IsTrue(PyList_GET_ITEM(lists[j], i))) < 0)
                goto fail;
            if ((j == 3 ? PUT_LITERAL(&b, ", \"system\": ") : PUT_LITERAL(&b, ", \"has_media\": ")) < 0)
                goto fail;
            if ((flag ? PUT_LITERAL(&b, "true") : PUT_LITERAL(&b, "false")) < 0)
                goto fail;
        }
        line = PyLong_AsSsize_t(PyList_GET_ITEM(lists[5], i));
        if (line == -1 && PyErr_Occurred()) {
            if (!PyErr_ExceptionMatches(PyExc_OverflowError) &&
                !PyErr_ExceptionMatches(PyExc_TypeError))
                goto fail;
            PyErr_Clear();
            done = 0;
            goto unusual;
        }
        if (PUT_LITERAL(&b, ", \"line\": ") < 0 ||
            put(&b, number, (Py_ssize_t)PyOS_snprintf(number, sizeof(number), "%zd", line)) < 0 ||
            PUT_LITERAL(&b, "}") < 0)
            goto fail;
    }
    out = PyUnicode_DecodeUTF8(b.data ? b.data : "", b.size, "strict");
    PyMem_Free(b.data);
    return out;
unusual:
    if (done < 0)
        goto fail;
    PyMem_Free(b.data);
    Py_RETURN_NONE;
fail:
    PyMem_Free(b.data);
    return NULL;
}

static PyMethodDef methods[] = {
    {"split", split, METH_VARARGS, "The flat records of a chunk, as SPLIT[layout].split."},
    {"timestamps", timestamps, METH_VARARGS, "Timestamps of flat records, as _timestamps."},
    {"columns", columns, METH_VARARGS, "Columns of flat records, as _columns."},
    {"rows", rows, METH_VARARGS, "Tuple-subclass rows from columns, as _as_messages."},
    {"json_rows", json_rows, METH_VARARGS, "Messages as JSON lines, as steps.json_rows."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "chats.whatsapp._speedups", "C versions of chats.whatsapp.parser's per-message steps.",
    -1, methods,
};

PyMODINIT_FUNC PyInit__speedups(void)
{
    if (PyType_Ready(&RowsType) < 0)
        return NULL;
    return PyModule_Create(&module);
}
