/*
 * The whole public C API used as intended: every function, its JSON shapes, who frees what.
 */
#define _POSIX_C_SOURCE 200809L

#include "check.h"

static const char *SESSION =
    "{\"v\":1,\"id\":\"s1\",\"project\":\"demo\",\"agent\":\"c-test\"}";

/* Records an event and returns its id (0 on failure, which the check reports). */
static int64_t record(MemcoreStore *store, const char *event_json, bool *inserted) {
    int64_t id = 0;
    CHECK_OK(memcore_event_record(store, event_json, &id, inserted));
    return id;
}

static void test_versions(void) {
    CHECK(memcore_abi_version() == MEMCORE_ABI_VERSION);
    CHECK(strlen(memcore_version()) > 0);
    CHECK(MEMCORE_JSON_VERSION == 1);
    CHECK(memcore_last_error_code() == MEMCORE_OK);
    CHECK(strcmp(memcore_last_error_message(), "") == 0);
}

static void test_projects_and_paths(void) {
    char *project = NULL;
    CHECK_OK(memcore_resolve_project("  explicit  ", "/tmp", &project));
    CHECK(project != NULL && strcmp(project, "explicit") == 0);
    memcore_string_free(project);
    CHECK_OK(memcore_resolve_project(NULL, "/tmp/some-folder", &project));
    CHECK(project != NULL && strcmp(project, "some-folder") == 0);
    memcore_string_free(project);

    char *path = NULL;
    setenv("MEMCORE_DB", "/tmp/elsewhere/memory.db", 1);
    CHECK_OK(memcore_default_path(&path));
    CHECK(path != NULL && strcmp(path, "/tmp/elsewhere/memory.db") == 0);
    memcore_string_free(path);
    unsetenv("MEMCORE_DB");
}

static void test_sessions(MemcoreStore *store) {
    char *json = NULL;
    CHECK_OK(memcore_session_start(store, SESSION, &json));
    CHECK_CONTAINS(json, "\"v\":1");
    CHECK_CONTAINS(json, "\"id\":\"s1\"");
    CHECK_CONTAINS(json, "\"status\":\"active\"");
    memcore_string_free(json);
    /* Starting it again (a resumed session) is fine; the output is optional. */
    CHECK_OK(memcore_session_start(store, SESSION, NULL));
    CHECK_OK(memcore_session_start(
        store, "{\"v\":1,\"id\":\"other\",\"project\":\"elsewhere\",\"agent\":\"x\"}", NULL));

    CHECK_OK(memcore_session_get(store, "s1", &json));
    CHECK_CONTAINS(json, "\"project\":\"demo\"");
    memcore_string_free(json);
    json = (char *)"not reset";
    CHECK_OK(memcore_session_get(store, "no-such-session", &json));
    CHECK(json == NULL);

    CHECK_OK(memcore_sessions_recent(store, "demo", 10, &json));
    CHECK_CONTAINS(json, "{\"v\":1,\"sessions\":[{");
    CHECK_LACKS(json, "elsewhere");
    memcore_string_free(json);
    CHECK_OK(memcore_sessions_recent(store, NULL, 10, &json));
    CHECK_CONTAINS(json, "elsewhere");
    memcore_string_free(json);

    CHECK_OK(memcore_projects(store, &json));
    CHECK_CONTAINS(json, "\"projects\":[");
    CHECK_CONTAINS(json, "\"demo\"");
    CHECK_CONTAINS(json, "\"elsewhere\"");
    memcore_string_free(json);
}

static void test_events(MemcoreStore *store) {
    bool inserted = false;
    int64_t prompt = record(store,
                            "{\"v\":1,\"session_id\":\"s1\",\"payload\":{\"type\":\"user_prompt\","
                            "\"text\":\"fix the login bug; my key is "
                            "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH\"}}",
                            &inserted);
    CHECK(prompt > 0 && inserted);
    const char *edit =
        "{\"v\":1,\"session_id\":\"s1\",\"payload\":{\"type\":\"tool_use\",\"tool_name\":\"Edit\","
        "\"input\":{\"file_path\":\"src/auth/login.rs\",\"old_string\":\"a\",\"new_string\":\"b\"},"
        "\"output\":\"The file src/auth/login.rs has been updated.\",\"tool_use_id\":\"tu_1\"}}";
    int64_t first = record(store, edit, &inserted);
    CHECK(first > prompt && inserted);
    /* The same tool_use_id again: one event, the same id. */
    int64_t again = record(store, edit, &inserted);
    CHECK(again == first && !inserted);
    record(store,
           "{\"v\":1,\"session_id\":\"s1\",\"payload\":{\"type\":\"assistant_message\","
           "\"text\":\"Fixed the login bug.\"},\"occurred_at\":\"2026-11-24T10:31:00Z\"}",
           NULL);
    record(store,
           "{\"v\":1,\"session_id\":\"s1\",\"payload\":{\"type\":\"note\",\"text\":\"remember "
           "this\"},\"external_id\":\"note-1\",\"unknown_field\":true}",
           NULL);

    char *json = NULL;
    CHECK_OK(memcore_events(store, "s1", MEMCORE_EVENTS_ALL, &json));
    CHECK_CONTAINS(json, "{\"v\":1,\"events\":[{");
    CHECK_CONTAINS(json, "\"tool_name\":\"Edit\"");
    CHECK_CONTAINS(json, "\"status\":\"pending\"");
    CHECK_LACKS(json, "sk-ant-api03");
    memcore_string_free(json);
    CHECK_OK(memcore_events(store, "s1", MEMCORE_EVENTS_EXTRACTED, &json));
    CHECK(json != NULL && strcmp(json, "{\"v\":1,\"events\":[]}") == 0);
    memcore_string_free(json);
    CHECK_OK(memcore_events(store, "no-such-session", MEMCORE_EVENTS_ALL, &json));
    CHECK(json != NULL && strcmp(json, "{\"v\":1,\"events\":[]}") == 0);
    memcore_string_free(json);
}

/* The step-by-step extraction a host with its own LLM plumbing drives. */
static void test_extraction_steps(MemcoreStore *store) {
    char *request = NULL;
    CHECK_OK(memcore_extraction_next(store, "demo", &request));
    CHECK_CONTAINS(request, "\"v\":1");
    CHECK_CONTAINS(request, "\"purpose\":\"observations\"");
    CHECK_CONTAINS(request, "\"system_prompt\":");
    CHECK_CONTAINS(request, "\"claim\":\"");
    CHECK_CONTAINS(request, "login");

    const char *answer =
        "```json\n[{\"kind\":\"bugfix\",\"title\":\"Login accepted expired sessions\","
        "\"narrative\":\"The expiry check in src/auth/login.rs compared seconds with "
        "milliseconds.\",\"facts\":[\"login.rs compares expiry in milliseconds\"],"
        "\"files_modified\":[\"src/auth/login.rs\"]}]\n```";
    char *report = NULL;
    CHECK_OK(memcore_extraction_complete(
        store, request, answer,
        "{\"v\":1,\"model\":\"fake-model\",\"prompt_tokens\":900,\"completion_tokens\":80}",
        &report));
    CHECK_CONTAINS(report, "\"stored\":[");
    CHECK_CONTAINS(report, "\"events_extracted\":");
    memcore_string_free(report);
    memcore_string_free(request);

    /* Nothing else pending in the project: NULL. */
    request = (char *)"not reset";
    CHECK_OK(memcore_extraction_next(store, "demo", &request));
    CHECK(request == NULL);

    /* A failed request: its event stays pending with one attempt. */
    record(store,
           "{\"v\":1,\"session_id\":\"s1\",\"payload\":{\"type\":\"user_prompt\",\"text\":\"now "
           "add rate limiting to the login endpoint\"}}",
           NULL);
    CHECK_OK(memcore_extraction_next(store, "demo", &request));
    CHECK(request != NULL);
    CHECK_OK(memcore_extraction_fail(store, request, "the model timed out", &report));
    CHECK_CONTAINS(report, "\"events_pending\":1");
    memcore_string_free(report);
    memcore_string_free(request);

    char *events = NULL;
    CHECK_OK(memcore_events(store, "s1", MEMCORE_EVENTS_PENDING, &events));
    CHECK_CONTAINS(events, "\"attempts\":1");
    memcore_string_free(events);

    uint64_t retried = 99;
    CHECK_OK(memcore_retry_failed(store, NULL, &retried));
    CHECK(retried == 0); /* nothing reached the attempt limit */

    char *ledger = NULL;
    CHECK_OK(memcore_ledger(store, "demo", 10, &ledger));
    CHECK_CONTAINS(ledger, "{\"v\":1,\"entries\":[");
    CHECK_CONTAINS(ledger, "\"model\":\"fake-model\"");
    CHECK_CONTAINS(ledger, "\"prompt_tokens\":900");
    CHECK_CONTAINS(ledger, "\"outcome\":\"failed\"");
    memcore_string_free(ledger);
}

static void test_heuristic_extraction(MemcoreStore *store) {
    record(store,
           "{\"v\":1,\"session_id\":\"s1\",\"payload\":{\"type\":\"tool_use\",\"tool_name\":"
           "\"Bash\",\"input\":{\"command\":\"cargo test\"},\"output\":\"test result: FAILED. 3 "
           "passed; 1 failed\",\"tool_use_id\":\"tu_2\"}}",
           NULL);
    record(store,
           "{\"v\":1,\"session_id\":\"s1\",\"payload\":{\"type\":\"tool_use\",\"tool_name\":"
           "\"Write\",\"input\":{\"file_path\":\"src/auth/rate_limit.rs\",\"content\":\"pub fn "
           "limit() {}\"},\"output\":\"File created successfully\",\"tool_use_id\":\"tu_3\"}}",
           NULL);
    char *run = NULL;
    CHECK_OK(memcore_extract_heuristic(store, "demo", &run));
    CHECK_CONTAINS(run, "{\"v\":1,");
    CHECK_CONTAINS(run, "\"observations_stored\":");
    CHECK_LACKS(run, "\"events_extracted\":0,");
    memcore_string_free(run);

    char *pending = NULL;
    CHECK_OK(memcore_events(store, "s1", MEMCORE_EVENTS_PENDING, &pending));
    CHECK(pending != NULL && strcmp(pending, "{\"v\":1,\"events\":[]}") == 0);
    memcore_string_free(pending);
    /* Nothing left: a second run does nothing, and the output is optional. */
    CHECK_OK(memcore_extract_heuristic(store, NULL, NULL));
}

static int64_t test_observations(MemcoreStore *store) {
    const char *obs =
        "{\"v\":1,\"project\":\"demo\",\"session_id\":\"s1\",\"kind\":\"decision\","
        "\"title\":\"Tokens are signed with RS256\",\"narrative\":\"HS256 was replaced so that "
        "services can verify tokens without the secret.\",\"facts\":[\"JWTs use RS256\"],"
        "\"concepts\":[\"why-it-exists\"],\"files_modified\":[\"src/auth/token.rs\"],"
        "\"importance\":0.9}";
    int64_t id = 0;
    bool duplicate = true;
    CHECK_OK(memcore_observation_add(store, obs, &id, &duplicate));
    CHECK(id > 0 && !duplicate);
    int64_t again = 0;
    CHECK_OK(memcore_observation_add(store, obs, &again, &duplicate));
    CHECK(again == id && duplicate);
    /* A kind of a mode's own is kept as given. */
    CHECK_OK(memcore_observation_add(
        store, "{\"v\":1,\"project\":\"demo\",\"kind\":\"Design Note\",\"title\":\"Keep it small\"}",
        NULL, NULL));

    int64_t ids[] = {id, 987654321};
    char *json = NULL;
    CHECK_OK(memcore_get(store, ids, 2, &json));
    CHECK_CONTAINS(json, "{\"v\":1,\"observations\":[{");
    CHECK_CONTAINS(json, "\"title\":\"Tokens are signed with RS256\"");
    CHECK_CONTAINS(json, "\"kind\":\"decision\"");
    CHECK_CONTAINS(json, "\"content_hash\":\"");
    CHECK_LACKS(json, "987654321");
    memcore_string_free(json);
    CHECK_OK(memcore_get(store, NULL, 0, &json));
    CHECK(json != NULL && strcmp(json, "{\"v\":1,\"observations\":[]}") == 0);
    memcore_string_free(json);

    CHECK_OK(memcore_recent(store, "demo", 2, &json));
    CHECK_CONTAINS(json, "design_note");
    memcore_string_free(json);
    return id;
}

static void test_recall(MemcoreStore *store, int64_t rs256) {
    char *json = NULL;
    CHECK_OK(memcore_search(store,
                            "{\"v\":1,\"query\":\"which algorithm signs the tokens\","
                            "\"scope\":{\"project\":\"demo\"},\"limit\":5}",
                            &json));
    CHECK_CONTAINS(json, "{\"v\":1,\"hits\":[{");
    CHECK_CONTAINS(json, "RS256");
    CHECK_CONTAINS(json, "\"parts\":{");
    memcore_string_free(json);
    CHECK_OK(memcore_search(store,
                            "{\"v\":1,\"query\":\"RS256\",\"scope\":\"all\",\"mode\":\"lexical\","
                            "\"filter\":{\"kinds\":[\"decision\"]}}",
                            &json));
    CHECK_CONTAINS(json, "RS256");
    memcore_string_free(json);

    CHECK_OK(memcore_context(store,
                             "{\"v\":1,\"purpose\":\"session_start\",\"scope\":{\"project\":"
                             "\"demo\"},\"budget\":600}",
                             &json));
    CHECK_CONTAINS(json, "\"text\":\"");
    CHECK_CONTAINS(json, "RS256");
    CHECK_CONTAINS(json, "\"budget\":600");
    memcore_string_free(json);

    char request[128];
    snprintf(request, sizeof request,
             "{\"v\":1,\"anchor\":{\"observation\":%lld},\"before\":5,\"after\":5}",
             (long long)rs256);
    CHECK_OK(memcore_timeline(store, request, &json));
    CHECK_CONTAINS(json, "{\"v\":1,\"entries\":[");
    CHECK_CONTAINS(json, "\"type\":\"observation\"");
    CHECK_CONTAINS(json, "\"anchor_index\":");
    memcore_string_free(json);
}

static void test_summaries(MemcoreStore *store) {
    char *json = NULL;
    CHECK_OK(memcore_summary_latest(store, "demo", &json));
    CHECK(json == NULL);

    CHECK_OK(memcore_summary_request(store, "s1", &json));
    CHECK_CONTAINS(json, "\"purpose\":\"summary\"");
    char *summary = NULL;
    CHECK_OK(memcore_summary_complete(
        store, json,
        "{\"request\":\"fix the login bug\",\"completed\":\"expiry compared in ms\","
        "\"next_steps\":\"rate limiting\"}",
        NULL, &summary));
    CHECK_CONTAINS(summary, "\"request\":\"fix the login bug\"");
    CHECK_CONTAINS(summary, "\"session_id\":\"s1\"");
    memcore_string_free(summary);
    memcore_string_free(json);

    CHECK_OK(memcore_summary_add(store, "s1",
                                 "{\"v\":1,\"request\":\"by hand\",\"learned\":\"C works\"}",
                                 &json));
    CHECK_CONTAINS(json, "\"learned\":\"C works\"");
    memcore_string_free(json);
    CHECK_OK(memcore_summary_latest(store, NULL, &json));
    CHECK_CONTAINS(json, "\"request\":\"by hand\"");
    memcore_string_free(json);

    CHECK_OK(memcore_summarize_heuristic(store, "s1", &json));
    CHECK_CONTAINS(json, "\"v\":1");
    memcore_string_free(json);
}

static void test_maintenance(MemcoreStore *store, int64_t rs256) {
    char *json = NULL;
    CHECK_OK(memcore_stats(store, "demo", &json));
    CHECK_CONTAINS(json, "\"observations_by_kind\":{");
    CHECK_CONTAINS(json, "\"decision\":1");
    CHECK_CONTAINS(json, "\"schema_version\":");
    memcore_string_free(json);
    CHECK_OK(memcore_integrity_check(store, &json));
    CHECK(json != NULL && strcmp(json, "{\"v\":1,\"findings\":[\"ok\"]}") == 0);
    memcore_string_free(json);

    bool forgotten = false;
    CHECK_OK(memcore_forget(store, rs256, &forgotten));
    CHECK(forgotten);
    CHECK_OK(memcore_forget(store, rs256, &forgotten));
    CHECK(!forgotten);
    CHECK_OK(memcore_forget(store, rs256, NULL));

    CHECK_OK(memcore_session_end(store, "s1", &json));
    CHECK_CONTAINS(json, "\"status\":\"ended\"");
    CHECK_CONTAINS(json, "\"ended_at\":\"");
    memcore_string_free(json);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f == NULL) return;
    fputs(text, f);
    fclose(f);
}

static void test_transcript_and_mode(MemcoreStore *store, const char *dir) {
    char path[160];
    snprintf(path, sizeof path, "%s/session.jsonl", dir);
    write_file(path,
               "{\"type\":\"user\",\"uuid\":\"u1\",\"sessionId\":\"cc-1\",\"cwd\":\"/work/app\","
               "\"timestamp\":\"2026-01-21T06:19:38.056Z\",\"message\":{\"role\":\"user\","
               "\"content\":\"Add a multiply function\"}}\n"
               "{\"type\":\"assistant\",\"uuid\":\"a1\",\"timestamp\":\"2026-01-21T06:19:40Z\","
               "\"message\":{\"id\":\"m1\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t1\","
               "\"name\":\"Read\",\"input\":{\"file_path\":\"/work/app/calc.py\"}}]}}\n"
               "{\"type\":\"user\",\"uuid\":\"u2\",\"timestamp\":\"2026-01-21T06:19:41Z\","
               "\"message\":{\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\","
               "\"content\":\"def add(a, b): return a + b\"}]}}\n"
               "this line is not JSON\n");
    char *report = NULL;
    CHECK_OK(memcore_import_transcript(store, path, NULL, &report));
    CHECK_CONTAINS(report, "\"session_id\":\"cc-1\"");
    CHECK_CONTAINS(report, "\"project\":\"app\"");
    CHECK_CONTAINS(report, "\"bad_lines\":[[4,");
    CHECK_LACKS(report, "\"added\":0");
    memcore_string_free(report);
    /* Importing it again adds nothing. */
    CHECK_OK(memcore_import_transcript(store, path, "app", &report));
    CHECK_CONTAINS(report, "\"added\":0");
    memcore_string_free(report);
    unlink(path);

    char *mode = NULL;
    CHECK_OK(memcore_mode(store, &mode));
    CHECK_CONTAINS(mode, "{\"v\":1,\"name\":\"code\"");
    CHECK_CONTAINS(mode, "\"fallback_kind\":\"change\"");
    /* A mode read back is a valid mode to set. */
    CHECK_OK(memcore_set_mode(store, mode));
    memcore_string_free(mode);
}

static void test_portable(MemcoreStore *store, const char *dir) {
    char jsonl[160], markdown[160], backup[160], copy[160];
    snprintf(jsonl, sizeof jsonl, "%s/export.jsonl", dir);
    snprintf(markdown, sizeof markdown, "%s/markdown", dir);
    snprintf(backup, sizeof backup, "%s/backup.db", dir);
    snprintf(copy, sizeof copy, "%s/copy.db", dir);

    char *report = NULL;
    CHECK_OK(memcore_export_jsonl(store, jsonl, "{\"v\":1,\"include_events\":true}", &report));
    CHECK_CONTAINS(report, "{\"v\":1,\"records\":{");
    CHECK_CONTAINS(report, "\"bytes\":");
    memcore_string_free(report);
    CHECK(access(jsonl, F_OK) == 0);

    CHECK_OK(memcore_export_markdown(store, markdown, "{\"v\":1,\"project\":\"demo\"}", &report));
    CHECK_CONTAINS(report, "\"files\":[\"");
    CHECK_CONTAINS(report, "demo");
    memcore_string_free(report);

    CHECK_OK(memcore_backup(store, backup, &report));
    CHECK_CONTAINS(report, "\"pages\":");
    memcore_string_free(report);
    CHECK_STATUS(memcore_backup(store, backup, NULL), MEMCORE_ERR_INVALID_ARGUMENT);

    /* The export imports into an empty store, and again adds nothing. */
    MemcoreStore *other = NULL;
    CHECK_OK(memcore_open(copy, NULL, &other));
    CHECK_OK(memcore_import_jsonl(other, jsonl, &report));
    CHECK_CONTAINS(report, "\"format_version\":2");
    CHECK_CONTAINS(report, "\"added\":{");
    memcore_string_free(report);
    char *stats = NULL;
    CHECK_OK(memcore_stats(other, "demo", &stats));
    CHECK_CONTAINS(stats, "\"design_note\":1");
    memcore_string_free(stats);
    CHECK_OK(memcore_import_jsonl(other, jsonl, &report));
    CHECK_CONTAINS(report, "\"added\":{\"projects\":0,\"sessions\":0,");
    memcore_string_free(report);
    memcore_close(other);
    CHECK_STATUS(memcore_import_jsonl(store, "/nonexistent/export.jsonl", NULL), MEMCORE_ERR_IO);
    /* A failed export leaves the earlier one in place. */
    CHECK_STATUS(memcore_export_jsonl(store, jsonl, "{\"v\":1,\"since\":\"2030-01-01T00:00:00Z\","
                                                    "\"until\":\"2020-01-01T00:00:00Z\"}",
                                      NULL),
                 MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK(access(jsonl, F_OK) == 0);

    /* The claude-mem importer refuses a store that is not claude-mem's. */
    CHECK_STATUS(memcore_import_claude_mem(store, backup, NULL), MEMCORE_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(memcore_import_claude_mem(store, "/nonexistent/claude-mem.db", NULL),
                 MEMCORE_ERR_NOT_FOUND);

    /* Retention: pin one observation, then a dry run and a real prune keep it. */
    char *recent = NULL;
    CHECK_OK(memcore_recent(store, "demo", 1, &recent));
    long long newest = 0;
    const char *id = recent ? strstr(recent, "\"id\":") : NULL;
    if (id) newest = strtoll(id + 5, NULL, 10);
    memcore_string_free(recent);
    bool found = false;
    CHECK_OK(memcore_pin(store, newest, true, &found));
    CHECK(found);
    CHECK_OK(memcore_pin(store, 987654321, true, &found));
    CHECK(!found);
    CHECK_OK(memcore_prune(store, "{\"v\":1,\"max_observations_per_project\":0}", true, &report));
    CHECK_CONTAINS(report, "\"dry_run\":true");
    CHECK_CONTAINS(report, "\"reason\":\"project_limit\"");
    memcore_string_free(report);
    CHECK_OK(memcore_prune(store, "{\"v\":1,\"max_observations_per_project\":0}", false, NULL));
    CHECK_OK(memcore_recent(store, "demo", 10, &recent));
    char expect[64];
    snprintf(expect, sizeof expect, "\"id\":%lld,", newest);
    CHECK_CONTAINS(recent, expect);
    CHECK_CONTAINS(recent, "\"pinned\":true");
    memcore_string_free(recent);

    const char *suffixes[] = {"", "-wal", "-shm"};
    char file[200];
    for (size_t i = 0; i < 3; i++) {
        snprintf(file, sizeof file, "%s%s", backup, suffixes[i]);
        unlink(file);
        snprintf(file, sizeof file, "%s%s", copy, suffixes[i]);
        unlink(file);
    }
    unlink(jsonl);
    snprintf(file, sizeof file, "%s/demo.md", markdown);
    unlink(file);
    rmdir(markdown);
}

int main(void) {
    TempStore t;
    temp_store_init(&t);
    test_versions();
    test_projects_and_paths();

    MemcoreStore *store = NULL;
    CHECK_OK(memcore_open(t.path, "{\"v\":1,\"busy_timeout_ms\":2000}", &store));
    CHECK(store != NULL);
    test_sessions(store);
    test_events(store);
    test_extraction_steps(store);
    test_heuristic_extraction(store);
    int64_t rs256 = test_observations(store);
    test_recall(store, rs256);
    test_summaries(store);
    test_maintenance(store, rs256);
    test_transcript_and_mode(store, t.dir);
    test_portable(store, t.dir);
    memcore_close(store);

    /* Everything is durable: a new handle sees it. */
    store = open_or_exit(&t);
    char *json = NULL;
    CHECK_OK(memcore_session_get(store, "s1", &json));
    CHECK_CONTAINS(json, "\"status\":\"ended\"");
    memcore_string_free(json);
    memcore_close(store);

    /* Free functions accept NULL. */
    memcore_close(NULL);
    memcore_string_free(NULL);

    temp_store_remove(&t);
    return check_report("test_api");
}
