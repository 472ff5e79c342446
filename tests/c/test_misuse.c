/*
 * Misuse returns errors, never crashes: NULL for every pointer argument, invalid UTF-8,
 * malformed JSON, JSON of a wrong version or shape, unknown enum values, files that are not
 * stores; and the thread-local last error that explains each failure.
 *
 * What the library cannot detect (and the header documents as undefined): a handle used after
 * memcore_close(), a string freed twice, pointers to freed or unterminated memory.
 */
#define _POSIX_C_SOURCE 200809L

#include "check.h"

#define SENTINEL ((char *)"sentinel")

/* A call that must fail with `status` and leave an explaining message. */
#define CHECK_FAILS(call, status)                                                          \
    do {                                                                                   \
        CHECK_STATUS(call, status);                                                        \
        CHECK(memcore_last_error_code() == (status));                                      \
        CHECK(strlen(memcore_last_error_message()) > 0);                                   \
    } while (0)

/* A call that must fail because the argument named `arg` is NULL. */
#define CHECK_NULL_ARG(call, arg)                                                          \
    do {                                                                                   \
        CHECK_FAILS(call, MEMCORE_ERR_NULL_POINTER);                                       \
        CHECK_CONTAINS(memcore_last_error_message(), arg " must not be NULL");             \
    } while (0)

static const char *SESSION = "{\"v\":1,\"id\":\"s1\",\"project\":\"demo\",\"agent\":\"c\"}";
static const char *EVENT =
    "{\"v\":1,\"session_id\":\"s1\",\"payload\":{\"type\":\"user_prompt\",\"text\":\"hi\"}}";
static const char *OBSERVATION = "{\"v\":1,\"project\":\"demo\",\"title\":\"t\"}";
static const char *SEARCH = "{\"v\":1,\"query\":\"x\",\"scope\":\"all\"}";
static const char *CONTEXT = "{\"v\":1,\"scope\":\"all\"}";
static const char *TIMELINE =
    "{\"v\":1,\"anchor\":{\"time\":\"2026-11-24T10:00:00Z\"},\"before\":1,\"after\":1,"
    "\"scope\":\"all\"}";
static const char *SUMMARY = "{\"v\":1,\"request\":\"r\"}";
/* Invalid UTF-8: a lone continuation byte and an overlong encoding. */
static const char *BAD_UTF8 = "ab\x80"
                              "cd\xc0\xaf";

static int freed_user_data = 0;
static void count_free(void *user_data) {
    (void)user_data;
    freed_user_data++;
}
static int32_t embed_zero(void *user_data, const char *text, float *out, size_t dim) {
    (void)user_data;
    (void)text;
    for (size_t i = 0; i < dim; i++) out[i] = 0.0f;
    return 0;
}
static int32_t complete_nothing(void *user_data, const char *request, char **out) {
    (void)user_data;
    (void)request;
    (void)out;
    return 1;
}

static void null_store(void) {
    char *out = SENTINEL;
    int64_t id = 7;
    bool flag = true;
    uint64_t count = 7;
    CHECK_NULL_ARG(memcore_session_start(NULL, SESSION, &out), "store");
    CHECK(out == NULL);
    out = SENTINEL;
    CHECK_NULL_ARG(memcore_session_end(NULL, "s1", &out), "store");
    CHECK(out == NULL);
    out = SENTINEL;
    CHECK_NULL_ARG(memcore_session_get(NULL, "s1", &out), "store");
    CHECK(out == NULL);
    CHECK_NULL_ARG(memcore_sessions_recent(NULL, NULL, 1, &out), "store");
    CHECK_NULL_ARG(memcore_projects(NULL, &out), "store");
    CHECK_NULL_ARG(memcore_event_record(NULL, EVENT, &id, &flag), "store");
    CHECK(id == 0 && !flag);
    CHECK_NULL_ARG(memcore_events(NULL, "s1", MEMCORE_EVENTS_ALL, &out), "store");
    id = 7;
    flag = true;
    CHECK_NULL_ARG(memcore_observation_add(NULL, OBSERVATION, &id, &flag), "store");
    CHECK(id == 0 && !flag);
    CHECK_NULL_ARG(memcore_get(NULL, &id, 1, &out), "store");
    CHECK_NULL_ARG(memcore_recent(NULL, NULL, 1, &out), "store");
    flag = true;
    CHECK_NULL_ARG(memcore_forget(NULL, 1, &flag), "store");
    CHECK(!flag);
    CHECK_NULL_ARG(memcore_summary_add(NULL, "s1", SUMMARY, &out), "store");
    CHECK_NULL_ARG(memcore_summary_latest(NULL, NULL, &out), "store");
    CHECK_NULL_ARG(memcore_summary_request(NULL, "s1", &out), "store");
    CHECK_NULL_ARG(memcore_summary_complete(NULL, "{}", "a", NULL, &out), "store");
    CHECK_NULL_ARG(memcore_summarize_heuristic(NULL, "s1", &out), "store");
    CHECK_NULL_ARG(memcore_summarize(NULL, "s1", &out), "store");
    CHECK_NULL_ARG(memcore_extraction_next(NULL, NULL, &out), "store");
    CHECK_NULL_ARG(memcore_extraction_complete(NULL, "{}", "a", NULL, &out), "store");
    CHECK_NULL_ARG(memcore_extraction_fail(NULL, "{}", "r", &out), "store");
    CHECK_NULL_ARG(memcore_extract_heuristic(NULL, NULL, &out), "store");
    CHECK_NULL_ARG(memcore_extract_pending(NULL, NULL, &out), "store");
    CHECK_NULL_ARG(memcore_retry_failed(NULL, NULL, &count), "store");
    CHECK(count == 0);
    CHECK_NULL_ARG(memcore_ledger(NULL, NULL, 1, &out), "store");
    CHECK_NULL_ARG(memcore_search(NULL, SEARCH, &out), "store");
    CHECK_NULL_ARG(memcore_context(NULL, CONTEXT, &out), "store");
    CHECK_NULL_ARG(memcore_timeline(NULL, TIMELINE, &out), "store");
    CHECK_NULL_ARG(memcore_stats(NULL, NULL, &out), "store");
    CHECK_NULL_ARG(memcore_integrity_check(NULL, &out), "store");
    CHECK_NULL_ARG(memcore_import_transcript(NULL, "/tmp/t.jsonl", NULL, &out), "store");
    CHECK_NULL_ARG(memcore_set_mode(NULL, "{\"v\":1}"), "store");
    CHECK_NULL_ARG(memcore_mode(NULL, &out), "store");
    CHECK_NULL_ARG(memcore_export_jsonl(NULL, "/tmp/x.jsonl", NULL, &out), "store");
    CHECK_NULL_ARG(memcore_import_jsonl(NULL, "/tmp/x.jsonl", &out), "store");
    CHECK_NULL_ARG(memcore_export_markdown(NULL, "/tmp/x", NULL, &out), "store");
    CHECK_NULL_ARG(memcore_backup(NULL, "/tmp/x.db", &out), "store");
    CHECK_NULL_ARG(memcore_import_claude_mem(NULL, "/tmp/x.db", &out), "store");
    CHECK_NULL_ARG(memcore_prune(NULL, "{\"v\":1}", true, &out), "store");
    flag = true;
    CHECK_NULL_ARG(memcore_pin(NULL, 1, true, &flag), "store");
    CHECK(!flag);
    CHECK_NULL_ARG(memcore_use_builtin_embedder(NULL), "store");
    CHECK_NULL_ARG(memcore_disable_embedder(NULL), "store");
    CHECK_NULL_ARG(memcore_clear_llm(NULL), "store");
    CHECK(out == NULL);

    /* A NULL store still takes the callbacks' user_data, and frees it. */
    freed_user_data = 0;
    MemcoreEmbedder embedder = {NULL, "e", 4, embed_zero, count_free};
    CHECK_NULL_ARG(memcore_set_embedder(NULL, &embedder), "store");
    MemcoreLlm llm = {NULL, complete_nothing, count_free};
    CHECK_NULL_ARG(memcore_set_llm(NULL, &llm), "store");
    CHECK(freed_user_data == 2);
}

static void null_arguments(MemcoreStore *store) {
    char *out = SENTINEL;
    MemcoreStore *opened = (MemcoreStore *)SENTINEL;
    CHECK_NULL_ARG(memcore_open(NULL, NULL, &opened), "path");
    CHECK(opened == NULL);
    CHECK_NULL_ARG(memcore_open("/tmp/x.db", NULL, NULL), "out_store");
    CHECK_NULL_ARG(memcore_default_path(NULL), "out_path");
    CHECK_NULL_ARG(memcore_resolve_project("p", NULL, &out), "cwd");
    CHECK(out == NULL);
    CHECK_NULL_ARG(memcore_resolve_project("p", "/tmp", NULL), "out_project");

    CHECK_NULL_ARG(memcore_session_start(store, NULL, &out), "session_json");
    CHECK_NULL_ARG(memcore_session_end(store, NULL, &out), "session_id");
    CHECK_NULL_ARG(memcore_session_get(store, NULL, &out), "session_id");
    CHECK_NULL_ARG(memcore_session_get(store, "s1", NULL), "out_session_json");
    CHECK_NULL_ARG(memcore_sessions_recent(store, NULL, 1, NULL), "out_sessions_json");
    CHECK_NULL_ARG(memcore_projects(store, NULL), "out_projects_json");

    CHECK_NULL_ARG(memcore_event_record(store, NULL, NULL, NULL), "event_json");
    CHECK_NULL_ARG(memcore_events(store, NULL, MEMCORE_EVENTS_ALL, &out), "session_id");
    CHECK_NULL_ARG(memcore_events(store, "s1", MEMCORE_EVENTS_ALL, NULL), "out_events_json");

    CHECK_NULL_ARG(memcore_observation_add(store, NULL, NULL, NULL), "observation_json");
    CHECK_NULL_ARG(memcore_get(store, NULL, 3, &out), "ids");
    int64_t id = 1;
    CHECK_NULL_ARG(memcore_get(store, &id, 1, NULL), "out_observations_json");
    CHECK_NULL_ARG(memcore_recent(store, NULL, 1, NULL), "out_observations_json");

    CHECK_NULL_ARG(memcore_summary_add(store, NULL, SUMMARY, &out), "session_id");
    CHECK_NULL_ARG(memcore_summary_add(store, "s1", NULL, &out), "summary_json");
    CHECK_NULL_ARG(memcore_summary_latest(store, NULL, NULL), "out_summary_json");
    CHECK_NULL_ARG(memcore_summary_request(store, NULL, &out), "session_id");
    CHECK_NULL_ARG(memcore_summary_request(store, "s1", NULL), "out_request_json");
    CHECK_NULL_ARG(memcore_summary_complete(store, NULL, "a", NULL, &out), "request_json");
    CHECK_NULL_ARG(memcore_summarize_heuristic(store, NULL, &out), "session_id");
    CHECK_NULL_ARG(memcore_summarize(store, NULL, &out), "session_id");

    CHECK_NULL_ARG(memcore_extraction_next(store, NULL, NULL), "out_request_json");
    CHECK_NULL_ARG(memcore_extraction_complete(store, NULL, "a", NULL, &out), "request_json");
    CHECK_NULL_ARG(memcore_extraction_fail(store, NULL, "r", &out), "request_json");
    CHECK_NULL_ARG(memcore_ledger(store, NULL, 1, NULL), "out_entries_json");

    CHECK_NULL_ARG(memcore_search(store, NULL, &out), "request_json");
    CHECK_NULL_ARG(memcore_search(store, SEARCH, NULL), "out_hits_json");
    CHECK_NULL_ARG(memcore_context(store, NULL, &out), "request_json");
    CHECK_NULL_ARG(memcore_context(store, CONTEXT, NULL), "out_context_json");
    CHECK_NULL_ARG(memcore_timeline(store, NULL, &out), "request_json");
    CHECK_NULL_ARG(memcore_timeline(store, TIMELINE, NULL), "out_timeline_json");

    CHECK_NULL_ARG(memcore_stats(store, NULL, NULL), "out_stats_json");
    CHECK_NULL_ARG(memcore_integrity_check(store, NULL), "out_findings_json");

    CHECK_NULL_ARG(memcore_import_transcript(store, NULL, NULL, &out), "path");
    CHECK_NULL_ARG(memcore_set_mode(store, NULL), "mode_json");
    CHECK_NULL_ARG(memcore_mode(store, NULL), "out_mode_json");
    CHECK_NULL_ARG(memcore_export_jsonl(store, NULL, NULL, &out), "path");
    CHECK_NULL_ARG(memcore_import_jsonl(store, NULL, &out), "path");
    CHECK_NULL_ARG(memcore_export_markdown(store, NULL, NULL, &out), "dir");
    CHECK_NULL_ARG(memcore_backup(store, NULL, &out), "dest_path");
    CHECK_NULL_ARG(memcore_import_claude_mem(store, NULL, &out), "path");
    CHECK_NULL_ARG(memcore_prune(store, NULL, true, &out), "policy_json");

    CHECK_NULL_ARG(memcore_set_embedder(store, NULL), "embedder");
    CHECK_NULL_ARG(memcore_set_llm(store, NULL), "llm");
    CHECK(out == NULL);

    /* The answer and reason arguments need a valid request to be reached. */
    CHECK_OK(memcore_session_start(store, SESSION, NULL));
    CHECK_OK(memcore_event_record(store, EVENT, NULL, NULL));
    char *request = NULL;
    CHECK_OK(memcore_extraction_next(store, NULL, &request));
    CHECK_NULL_ARG(memcore_extraction_complete(store, request, NULL, NULL, NULL), "answer");
    CHECK_NULL_ARG(memcore_extraction_fail(store, request, NULL, NULL), "reason");
    CHECK_OK(memcore_extraction_fail(store, request, "test", NULL));
    memcore_string_free(request);
    CHECK_OK(memcore_summary_request(store, "s1", &request));
    CHECK_NULL_ARG(memcore_summary_complete(store, request, NULL, NULL, NULL), "answer");
    memcore_string_free(request);

    /* Callback structs with NULL members: rejected, and the user_data is freed anyway. */
    freed_user_data = 0;
    MemcoreEmbedder no_id = {NULL, NULL, 4, embed_zero, count_free};
    CHECK_NULL_ARG(memcore_set_embedder(store, &no_id), "embedder->id");
    MemcoreEmbedder no_fn = {NULL, "e", 4, NULL, count_free};
    CHECK_NULL_ARG(memcore_set_embedder(store, &no_fn), "embedder->embed");
    MemcoreLlm no_complete = {NULL, NULL, count_free};
    CHECK_NULL_ARG(memcore_set_llm(store, &no_complete), "llm->complete");
    CHECK(freed_user_data == 3);
    /* A NULL free_user_data is allowed. */
    MemcoreEmbedder no_free = {NULL, "e", 4, embed_zero, NULL};
    CHECK_OK(memcore_set_embedder(store, &no_free));
    CHECK_OK(memcore_use_builtin_embedder(store));
}

static void invalid_utf8(MemcoreStore *store, const char *dir) {
    char *out = SENTINEL;
    MemcoreStore *opened = NULL;
    char path[128];
    snprintf(path, sizeof path, "%s/%s.db", dir, BAD_UTF8);
    CHECK_FAILS(memcore_open(path, NULL, &opened), MEMCORE_ERR_INVALID_UTF8);
    CHECK(opened == NULL);
    CHECK_CONTAINS(memcore_last_error_message(), "path is not valid UTF-8");
    CHECK_FAILS(memcore_resolve_project(BAD_UTF8, "/tmp", &out), MEMCORE_ERR_INVALID_UTF8);
    CHECK_FAILS(memcore_resolve_project(NULL, BAD_UTF8, &out), MEMCORE_ERR_INVALID_UTF8);
    CHECK(out == NULL);
    CHECK_FAILS(memcore_session_get(store, BAD_UTF8, &out), MEMCORE_ERR_INVALID_UTF8);
    CHECK_FAILS(memcore_session_end(store, BAD_UTF8, NULL), MEMCORE_ERR_INVALID_UTF8);
    CHECK_FAILS(memcore_events(store, BAD_UTF8, 0, &out), MEMCORE_ERR_INVALID_UTF8);
    CHECK_FAILS(memcore_recent(store, BAD_UTF8, 5, &out), MEMCORE_ERR_INVALID_UTF8);
    CHECK_FAILS(memcore_stats(store, BAD_UTF8, &out), MEMCORE_ERR_INVALID_UTF8);
    CHECK_FAILS(memcore_extraction_next(store, BAD_UTF8, &out), MEMCORE_ERR_INVALID_UTF8);
    CHECK_FAILS(memcore_summary_add(store, BAD_UTF8, SUMMARY, NULL), MEMCORE_ERR_INVALID_UTF8);

    /* Invalid UTF-8 inside a JSON document is caught before the JSON is parsed. */
    char event[256];
    snprintf(event, sizeof event,
             "{\"v\":1,\"session_id\":\"s1\",\"payload\":{\"type\":\"note\",\"text\":\"%s\"}}",
             BAD_UTF8);
    CHECK_FAILS(memcore_event_record(store, event, NULL, NULL), MEMCORE_ERR_INVALID_UTF8);
    CHECK_CONTAINS(memcore_last_error_message(), "event_json is not valid UTF-8");

    freed_user_data = 0;
    MemcoreEmbedder bad_id = {NULL, BAD_UTF8, 4, embed_zero, count_free};
    CHECK_FAILS(memcore_set_embedder(store, &bad_id), MEMCORE_ERR_INVALID_UTF8);
    CHECK(freed_user_data == 1);
    CHECK(out == NULL);
}

static void malformed_json(MemcoreStore *store) {
    const char *broken[] = {"", "{", "{\"v\":1,", "not json", "{\"v\":1}}", "{'v':1}"};
    const char *not_objects[] = {"[]", "null", "42", "\"v\"", "[{\"v\":1}]"};
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        CHECK_FAILS(memcore_session_start(store, broken[i], NULL), MEMCORE_ERR_INVALID_JSON);
        CHECK_FAILS(memcore_event_record(store, broken[i], NULL, NULL), MEMCORE_ERR_INVALID_JSON);
        CHECK_CONTAINS(memcore_last_error_message(), "event_json is not valid JSON");
        char *out = SENTINEL;
        CHECK_FAILS(memcore_search(store, broken[i], &out), MEMCORE_ERR_INVALID_JSON);
        CHECK(out == NULL);
    }
    for (size_t i = 0; i < sizeof not_objects / sizeof not_objects[0]; i++) {
        CHECK_FAILS(memcore_observation_add(store, not_objects[i], NULL, NULL),
                    MEMCORE_ERR_INVALID_JSON);
        CHECK_CONTAINS(memcore_last_error_message(), "must be a JSON object");
    }
    MemcoreStore *opened = (MemcoreStore *)SENTINEL;
    CHECK_FAILS(memcore_open("/tmp/never-created.db", "{", &opened), MEMCORE_ERR_INVALID_JSON);
    CHECK(opened == NULL);
    CHECK(access("/tmp/never-created.db", F_OK) != 0);
}

static void wrong_versions(MemcoreStore *store) {
    const char *versions[] = {
        "{\"v\":2,\"id\":\"s\",\"project\":\"p\",\"agent\":\"a\"}",
        "{\"v\":0,\"id\":\"s\",\"project\":\"p\",\"agent\":\"a\"}",
        "{\"v\":\"1\",\"id\":\"s\",\"project\":\"p\",\"agent\":\"a\"}",
        "{\"v\":1.5,\"id\":\"s\",\"project\":\"p\",\"agent\":\"a\"}",
        "{\"v\":null,\"id\":\"s\",\"project\":\"p\",\"agent\":\"a\"}",
        "{\"id\":\"s\",\"project\":\"p\",\"agent\":\"a\"}",
    };
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        CHECK_FAILS(memcore_session_start(store, versions[i], NULL),
                    MEMCORE_ERR_UNSUPPORTED_VERSION);
    }
    CHECK_CONTAINS(memcore_last_error_message(), "no \"v\" field");
    CHECK_FAILS(memcore_context(store, "{\"v\":2}", &(char *){NULL}),
                MEMCORE_ERR_UNSUPPORTED_VERSION);
    CHECK_CONTAINS(memcore_last_error_message(), "this library reads version 1");
    MemcoreStore *opened = (MemcoreStore *)SENTINEL;
    CHECK_FAILS(memcore_open("/tmp/never-created.db", "{\"v\":2}", &opened),
                MEMCORE_ERR_UNSUPPORTED_VERSION);
    CHECK(opened == NULL);
}

static void wrong_shapes_and_enums(MemcoreStore *store) {
    char *out = SENTINEL;
    /* Unknown enum values inside JSON. */
    CHECK_FAILS(memcore_event_record(store,
                                     "{\"v\":1,\"session_id\":\"s1\",\"payload\":{\"type\":"
                                     "\"telepathy\",\"text\":\"x\"}}",
                                     NULL, NULL),
                MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(memcore_last_error_message(), "unknown variant `telepathy`");
    CHECK_FAILS(memcore_search(store, "{\"v\":1,\"query\":\"x\",\"mode\":\"sideways\"}", &out),
                MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_FAILS(memcore_context(store, "{\"v\":1,\"purpose\":\"lunch\"}", &out),
                MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_FAILS(memcore_timeline(store, "{\"v\":1,\"anchor\":{\"planet\":3},\"before\":1,"
                                        "\"after\":1}",
                                 &out),
                MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_FAILS(memcore_search(store, "{\"v\":1,\"query\":\"x\",\"scope\":\"galaxy\"}", &out),
                MEMCORE_ERR_INVALID_ARGUMENT);
    /* A search, a context or a timeline around a time must say where to look. */
    CHECK_FAILS(memcore_search(store, "{\"v\":1,\"query\":\"x\"}", &out),
                MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(memcore_last_error_message(), "must say where to look");
    CHECK_FAILS(memcore_context(store, "{\"v\":1,\"purpose\":\"session_start\"}", &out),
                MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_FAILS(memcore_timeline(store, "{\"v\":1,\"anchor\":{\"time\":"
                                        "\"2026-11-24T10:31:00Z\"},\"before\":1,\"after\":1}",
                                 &out),
                MEMCORE_ERR_INVALID_ARGUMENT);
    /* Unknown enum constants passed as integers. */
    CHECK_FAILS(memcore_events(store, "s1", 99, &out), MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(memcore_last_error_message(), "status filter 99");
    CHECK_FAILS(memcore_events(store, "s1", -1, &out), MEMCORE_ERR_INVALID_ARGUMENT);
    /* Missing fields, wrong types, values out of range. */
    CHECK_FAILS(memcore_session_start(store, "{\"v\":1,\"id\":\"s\"}", NULL),
                MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(memcore_last_error_message(), "missing field");
    CHECK_FAILS(memcore_observation_add(store, "{\"v\":1,\"project\":\"p\",\"title\":5}", NULL,
                                        NULL),
                MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_FAILS(memcore_event_record(store,
                                     "{\"v\":1,\"session_id\":\"s1\",\"payload\":{\"type\":"
                                     "\"note\",\"text\":\"x\"},\"occurred_at\":\"yesterday\"}",
                                     NULL, NULL),
                MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_FAILS(memcore_timeline(store, "{\"v\":1,\"anchor\":{\"observation\":1},\"before\":-1,"
                                        "\"after\":1}",
                                 &out),
                MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_FAILS(memcore_open("/tmp/never-created.db", "{\"v\":1,\"busy_timeout_ms\":\"soon\"}",
                             &(MemcoreStore *){NULL}),
                MEMCORE_ERR_INVALID_ARGUMENT);
    /* Values the core rejects. */
    CHECK_FAILS(memcore_session_start(store, "{\"v\":1,\"id\":\" \",\"project\":\"p\","
                                             "\"agent\":\"a\"}",
                                      NULL),
                MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_FAILS(memcore_observation_add(store, "{\"v\":1,\"project\":\"p\",\"title\":\"  \"}",
                                        NULL, NULL),
                MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_FAILS(memcore_observation_add(store, "{\"v\":1,\"title\":\"no project\"}", NULL, NULL),
                MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_FAILS(memcore_recent(store, "", 5, &out), MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_FAILS(memcore_extract_heuristic(store, "  ", NULL), MEMCORE_ERR_INVALID_ARGUMENT);
    /* Things that do not exist. */
    CHECK_FAILS(memcore_session_end(store, "no-such-session", NULL), MEMCORE_ERR_NOT_FOUND);
    CHECK_FAILS(memcore_event_record(store,
                                     "{\"v\":1,\"session_id\":\"no-such-session\",\"payload\":"
                                     "{\"type\":\"note\",\"text\":\"x\"}}",
                                     NULL, NULL),
                MEMCORE_ERR_NOT_FOUND);
    CHECK_FAILS(memcore_observation_add(store, "{\"v\":1,\"session_id\":\"nope\",\"title\":\"t\"}",
                                        NULL, NULL),
                MEMCORE_ERR_NOT_FOUND);
    CHECK_FAILS(memcore_timeline(store, "{\"v\":1,\"anchor\":{\"observation\":424242},"
                                        "\"before\":1,\"after\":1}",
                                 &out),
                MEMCORE_ERR_NOT_FOUND);
    /* A summary request completed as an observation request, and the reverse. */
    char *request = NULL;
    CHECK_OK(memcore_summary_request(store, "s1", &request));
    CHECK(request != NULL);
    CHECK_FAILS(memcore_extraction_complete(store, request, "[]", NULL, NULL),
                MEMCORE_ERR_INVALID_ARGUMENT);
    memcore_string_free(request);
    /* No LLM set. */
    CHECK_FAILS(memcore_extract_pending(store, NULL, NULL), MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(memcore_last_error_message(), "memcore_set_llm");
    CHECK_FAILS(memcore_summarize(store, "s1", NULL), MEMCORE_ERR_INVALID_ARGUMENT);
    /* A mode the core rejects, with the field named; the handle keeps its mode. */
    CHECK_FAILS(memcore_set_mode(store, "{\"v\":1,\"name\":\"m\",\"kinds\":[],\"fallback_kind\":"
                                        "\"x\",\"prompts\":{},\"colour\":\"red\"}"),
                MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_CONTAINS(memcore_last_error_message(), "mode");
    CHECK_FAILS(memcore_set_mode(store, "{\"v\":3,\"name\":\"m\"}"), MEMCORE_ERR_UNSUPPORTED_VERSION);
    char *mode = NULL;
    CHECK_OK(memcore_mode(store, &mode));
    CHECK_CONTAINS(mode, "\"name\":\"code\"");
    memcore_string_free(mode);
    /* Retention and export settings of the wrong shape. */
    CHECK_FAILS(memcore_prune(store, "{\"v\":1,\"max_age_days\":-3}", true, NULL),
                MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_FAILS(memcore_export_jsonl(store, "/tmp/never.jsonl", "{\"v\":1,\"include_events\":\"yes\"}",
                                     NULL),
                MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK(access("/tmp/never.jsonl", F_OK) != 0);
    CHECK_FAILS(memcore_import_transcript(store, "/nonexistent/t.jsonl", NULL, NULL),
                MEMCORE_ERR_IO);
    /* Bad callback settings. */
    freed_user_data = 0;
    MemcoreEmbedder zero = {NULL, "e", 0, embed_zero, count_free};
    CHECK_FAILS(memcore_set_embedder(store, &zero), MEMCORE_ERR_INVALID_ARGUMENT);
    MemcoreEmbedder blank = {NULL, " ", 4, embed_zero, count_free};
    CHECK_FAILS(memcore_set_embedder(store, &blank), MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK(freed_user_data == 2);
    /* Extreme limits are not a crash. */
    MemcoreStatus status = memcore_recent(store, NULL, (size_t)-1, &out);
    CHECK(status == MEMCORE_OK || status == MEMCORE_ERR_INVALID_ARGUMENT);
    memcore_string_free(out);
    status = memcore_sessions_recent(store, NULL, (size_t)-1, &out);
    CHECK(status == MEMCORE_OK || status == MEMCORE_ERR_INVALID_ARGUMENT);
    memcore_string_free(out);
    CHECK_OK(memcore_forget(store, -5, NULL));
    out = NULL;
}

static void files_that_are_not_stores(const char *dir) {
    char path[128];
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    const char *content = "these are my notes, not a database\n";
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f == NULL) return;
    fputs(content, f);
    fclose(f);

    MemcoreStore *opened = (MemcoreStore *)SENTINEL;
    CHECK_FAILS(memcore_open(path, NULL, &opened), MEMCORE_ERR_NOT_A_DATABASE);
    CHECK(opened == NULL);
    /* Left untouched. */
    char back[128] = {0};
    f = fopen(path, "r");
    CHECK(f != NULL);
    if (f != NULL) {
        CHECK(fgets(back, sizeof back, f) != NULL);
        fclose(f);
    }
    CHECK(strcmp(back, content) == 0);
    unlink(path);

    CHECK_FAILS(memcore_open(dir, NULL, &opened), MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK(opened == NULL);
    CHECK_FAILS(memcore_open("", NULL, &opened), MEMCORE_ERR_INVALID_ARGUMENT);
}

static void last_error_rules(MemcoreStore *store) {
    CHECK_FAILS(memcore_session_end(store, "no-such-session", NULL), MEMCORE_ERR_NOT_FOUND);
    CHECK_CONTAINS(memcore_last_error_message(), "no-such-session");
    /* Free functions and the error readers leave the error in place. */
    memcore_string_free(NULL);
    memcore_string_free(memcore_string_new("copy"));
    memcore_close(NULL);
    (void)memcore_version();
    (void)memcore_abi_version();
    CHECK(memcore_last_error_code() == MEMCORE_ERR_NOT_FOUND);
    CHECK_CONTAINS(memcore_last_error_message(), "no-such-session");
    /* The next call resets it. */
    char *findings = NULL;
    CHECK_OK(memcore_integrity_check(store, &findings));
    memcore_string_free(findings);
    CHECK(memcore_last_error_code() == MEMCORE_OK);
    CHECK(strcmp(memcore_last_error_message(), "") == 0);
    CHECK(memcore_string_new(NULL) == NULL);
}

int main(void) {
    TempStore t;
    temp_store_init(&t);
    null_store();
    MemcoreStore *store = open_or_exit(&t);
    null_arguments(store);
    invalid_utf8(store, t.dir);
    malformed_json(store);
    wrong_versions(store);
    wrong_shapes_and_enums(store);
    files_that_are_not_stores(t.dir);
    last_error_rules(store);

    /* After all that, the store is sound and holds only what was valid. */
    char *findings = NULL;
    CHECK_OK(memcore_integrity_check(store, &findings));
    CHECK(findings != NULL && strcmp(findings, "{\"v\":1,\"findings\":[\"ok\"]}") == 0);
    memcore_string_free(findings);
    char *stats = NULL;
    CHECK_OK(memcore_stats(store, NULL, &stats));
    CHECK_CONTAINS(stats, "\"sessions\":1,");
    CHECK_CONTAINS(stats, "\"events\":1,");
    memcore_string_free(stats);
    memcore_close(store);
    temp_store_remove(&t);
    return check_report("test_misuse");
}
