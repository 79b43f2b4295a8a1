// The authorization matrix: every API route, called by a user of each role (and with a
// read-only token), gets the answer that the policy table (archived/auth/policy.h) says:
// refused with 403 where the table refuses, served where it allows. Derived from the table,
// so a route or rule added later is covered by adding its row below.
#include "archived/audit/chain.h"
#include "archived/auth/policy.h"
#include "archived/storage/rocks_store.h"
#include "tests/integration/harness.h"

namespace archived::testing {
namespace {

using auth::Operation;

struct Route {
  Operation operation;
  std::string method;
  std::string path;  // under /api/v1; {id} is a filed document
  std::string body;  // sent as JSON, or as text/plain for uploads
};

class AuthzTest : public DaemonTest {
 protected:
  // Backups configured, so that their routes answer.
  void SetUp() override {
    StartDaemon(WriteFile("archived.toml", "[backup]\ntarget = \"" + (dir_.path() / "backups").string() + "\"\n"));
  }
  // A user with `roles` (created by the first-start administrator) and a token for it.
  std::string TokenFor(const std::string& name, const std::string& roles_json, const std::string& scope = "FULL") {
    const CommandResult user = Curl({"-X", "POST", "-d", R"({"name":")" + name + R"(","roles":)" + roles_json + "}",
                                     Api("/users")});
    EXPECT_EQ(JsonField(user.out, "name"), name) << user.out;
    const CommandResult token = Curl({"-X", "POST", "-d", R"({"user":")" + name + R"(","scope":")" + scope + R"("})",
                                      Api("/tokens")});
    const std::string value = JsonField(token.out, "token");
    EXPECT_FALSE(value.empty()) << token.out;
    return value;
  }
  int Call(const Route& route, const std::string& token, const std::string& id) {
    std::string path = route.path;
    if (const std::size_t at = path.find("{id}"); at != std::string::npos) path.replace(at, 4, id);
    std::vector<std::string> args = {"-o", "/dev/null", "-w", "%{http_code}", "-X", route.method};
    if (!token.empty()) args.insert(args.end(), {"-H", "Authorization: Bearer " + token});
    if (!route.body.empty()) {
      const bool upload = route.method == "POST" && path.starts_with("/documents");
      args.insert(args.end(), {"-H", upload ? "Content-Type: text/plain" : "Content-Type: application/json",
                               "--data-binary", route.body});
    }
    args.push_back(Api(path));
    const CommandResult r = Curl(args, false);
    return r.out.empty() ? -1 : std::stoi(r.out);
  }
};

TEST_F(AuthzTest, EveryRouteAnswersEveryRoleAsThePolicySays) {
  const std::string filed = Curl({"-X", "POST", "-H", "Content-Type: text/plain", "--data-binary", "办公室 budget",
                                  Api("/documents?title=t&category=BGS")}).out;
  const std::string id = JsonField(filed, "id");
  ASSERT_FALSE(id.empty()) << filed;
  // A first backup, finished, for the verification route.
  ASSERT_EQ(Ctl({"backup", "now"}).exit_code, 0);
  // A disposition batch for the approval route: a 2000 notice is due for review.
  ASSERT_EQ(CurlStatus({"-X", "POST", "-H", "Content-Type: text/plain", "--data-binary", "old notice",
                        Api("/documents?title=old&category=BGS/WS&date=2000-01-01")}),
            201);
  ASSERT_EQ(CurlStatus({"-X", "POST", Api("/dispositions")}), 201);
  int fresh = 0;
  const auto routes = [&] {
    ++fresh;
    return std::vector<Route>{
        {Operation::kFileDocument, "POST", "/documents?title=x&category=BGS", "text"},
        {Operation::kListDocuments, "GET", "/documents", ""},
        {Operation::kReadDocument, "GET", "/documents/{id}", ""},
        {Operation::kReadDocument, "GET", "/documents/{id}/versions", ""},
        {Operation::kReadContent, "GET", "/documents/{id}/content", ""},
        {Operation::kAddVersion, "POST", "/documents/{id}/versions", "new text"},
        {Operation::kUpdateDocument, "PATCH", "/documents/{id}", R"({"author":"wang"})"},
        {Operation::kSearch, "GET", "/search?q=budget", ""},
        {Operation::kListCategories, "GET", "/categories", ""},
        {Operation::kSetCategoryAccess, "PATCH", "/categories/BGS/WS", R"({"filers":[]})"},
        {Operation::kVerifyAudit, "GET", "/audit/verify", ""},
        {Operation::kReadAudit, "GET", "/audit/events?limit=5", ""},
        {Operation::kManageUsers, "GET", "/users", ""},
        {Operation::kScrub, "POST", "/admin/scrub", ""},
        {Operation::kRotateMasterKey, "POST", "/admin/rotate-master-key", ""},
        {Operation::kBackup, "POST", "/admin/backups", ""},
        {Operation::kListBackups, "GET", "/admin/backups", ""},
        {Operation::kListBackups, "GET", "/admin/backups/latest", ""},
        {Operation::kVerifyBackup, "POST", "/admin/backups/verify?id=1", ""},
        {Operation::kForgetBackups, "POST", "/admin/backups/forget?dry_run=true", ""},
        {Operation::kManageUsers, "GET", "/users/admin", ""},
        {Operation::kManageUsers, "POST", "/users",
         R"({"name":"new-)" + std::to_string(fresh) + R"(","roles":["ROLE_CLERK"]})"},
        {Operation::kManageUsers, "PATCH", "/users/admin", R"({"display_name":"Administrator"})"},
        {Operation::kManageFilePlan, "POST", "/categories",
         R"({"code":"BGS/N)" + std::to_string(fresh) + R"(","name":"n","retention_class":"RETENTION_CLASS_10_YEARS"})"},
        {Operation::kManageFilePlan, "PUT", "/categories/BGS/WS/schedule", R"({"years":40,"trigger":"RETENTION_TRIGGER_DOCUMENT_DATE","cut_off":"RETENTION_CUT_OFF_CALENDAR_YEAR","action":"DISPOSITION_ACTION_REVIEW"})"},
        {Operation::kRecordEvent, "POST", "/documents/{id}/events", R"({"name":"closed","date":"2026-01-02"})"},
        {Operation::kManageHolds, "POST", "/holds",
         R"({"name":"h)" + std::to_string(fresh) + R"(","reason":"r","categories":["BGS/ZC"]})"},
        {Operation::kReadHolds, "GET", "/holds", ""},
        {Operation::kReadDispositions, "GET", "/dispositions", ""},
        {Operation::kReadDispositions, "GET", "/dispositions/due", ""},
        {Operation::kReadDispositions, "GET", "/dispositions/1", ""},
        {Operation::kRunDisposition, "POST", "/dispositions", ""},
        {Operation::kApproveDisposition, "POST", "/dispositions/1/approve", ""},
        {Operation::kReadCertificates, "GET", "/certificates", ""},
        {Operation::kRetentionReport, "GET", "/reports/retention?format=csv", ""},
        {Operation::kReadRegister, "GET", "/registers", ""},
        {Operation::kReadRegister, "GET", "/registers/notice/entries", ""},
        {Operation::kWriteRegister, "POST", "/registers/notice/entries",
         R"({"fields":{"title":"通知)" + std::to_string(fresh) + R"(","date":"2026-01-01"}})"},
        {Operation::kManageOwnTokens, "GET", "/tokens", ""},
        {Operation::kManageOwnTokens, "POST", "/tokens", R"({"ttl_seconds":60})"},
        {Operation::kManageOwnTokens, "GET", "/whoami", ""},
        {Operation::kManageAllTokens, "GET", "/tokens?user=admin", ""},
        {Operation::kManageAllTokens, "POST", "/tokens", R"({"user":"admin","ttl_seconds":60})"},
    };
  };
  struct Caller {
    std::string name;
    auth::Principal principal;
    std::string token;
  };
  std::vector<Caller> callers = {
      {"clerk", {.roles = {v1::ROLE_CLERK}}, TokenFor("clerk1", R"(["ROLE_CLERK"])")},
      {"records_officer", {.roles = {v1::ROLE_RECORDS_OFFICER}}, TokenFor("officer1", R"(["ROLE_RECORDS_OFFICER"])")},
      {"admin", {.roles = {v1::ROLE_ADMIN}}, TokenFor("admin1", R"(["ROLE_ADMIN"])")},
      {"auditor", {.roles = {v1::ROLE_AUDITOR}}, TokenFor("auditor1", R"(["ROLE_AUDITOR"])")},
      {"clerk, read-only token", {.roles = {v1::ROLE_CLERK}, .scope = v1::READ_ONLY},
       TokenFor("reader1", R"(["ROLE_CLERK"])", "READ_ONLY")},
  };
  std::set<Operation> covered;
  int denied = 0;
  for (const Caller& caller : callers) {
    for (const Route& route : routes()) {
      covered.insert(route.operation);
      const bool allowed = auth::Authorize(caller.principal, route.operation).ok();
      const int status = Call(route, caller.token, id);
      if (allowed) {
        EXPECT_TRUE(status >= 200 && status < 300) << caller.name << " " << route.method << " " << route.path << ": " << status;
      } else {
        EXPECT_EQ(status, 403) << caller.name << " " << route.method << " " << route.path;
        ++denied;
      }
      // Without a token, nothing but 401.
      if (&caller == &callers.front()) {
        EXPECT_EQ(Call(route, "", id), 401) << route.method << " " << route.path;
      }
    }
  }
  // Every rule of the table is exercised.
  for (const auth::Rule& rule : auth::kPolicy) EXPECT_TRUE(covered.contains(rule.operation)) << rule.name;
  // Each refusal is on the audit trail, which still verifies.
  const CommandResult audit = RunCommand({"/usr/bin/curl", "-sS", "-H", "Authorization: Bearer " + callers[3].token,
                                          Api("/audit/verify")});
  EXPECT_EQ(JsonField(audit.out, "ok"), "true") << audit.out;
  EXPECT_GT(denied, 30);
}

// Category readers and filers, departments and clearance: a document the caller may not see
// is a 404 on every route, missing from listings and search (counts included), and a filing
// where the caller may not file is a 403.
TEST_F(AuthzTest, DocumentsAreSeenOnlyByTheirCategorysReadersWithTheClearance) {
  const auto user = [&](const std::string& name, const std::string& role, const std::string& dept,
                        const std::string& clearance) {
    const CommandResult u = Curl({"-X", "POST", "-d",
                                  R"({"name":")" + name + R"(","roles":[")" + role + R"("],"departments":[")" + dept +
                                      R"("],"clearance":")" + clearance + R"("})",
                                  Api("/users")});
    EXPECT_EQ(JsonField(u.out, "name"), name) << u.out;
    return JsonField(Curl({"-X", "POST", "-d", R"({"user":")" + name + R"("})", Api("/tokens")}).out, "token");
  };
  const std::string hr = user("hr1", "ROLE_CLERK", "人事处", "INTERNAL");
  const std::string other = user("fin1", "ROLE_CLERK", "财务处", "INTERNAL");
  const std::string officer = user("officer", "ROLE_RECORDS_OFFICER", "办公室", "CONFIDENTIAL");
  const auto as = [&](const std::string& token, std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/curl", "-sS", "-H", "Authorization: Bearer " + token};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  };
  const auto status = [&](const std::string& token, std::vector<std::string> args) {
    args.insert(args.begin(), {"-o", "/dev/null", "-w", "%{http_code}"});
    return as(token, args).out;
  };
  // Only the HR department reads and files personnel records (and what lies below them).
  const CommandResult acl = Curl({"-X", "PATCH", "-d", R"({"readers":["dept:人事处"],"filers":["dept:人事处"]})",
                                  Api("/categories/BGS/HR")});
  EXPECT_NE(acl.out.find("dept:人事处"), std::string::npos) << acl.out;
  EXPECT_EQ(CurlStatus({"-X", "PATCH", "-d", R"({"readers":["everyone"]})", Api("/categories/BGS/HR")}), 400);

  const auto file = [&](const std::string& token, const std::string& text, const std::string& query) {
    return as(token, {"-X", "POST", "-H", "Content-Type: text/plain", "--data-binary", text, Api("/documents?" + query)});
  };
  const std::string payroll = JsonField(file(hr, "salary table 工资表", "title=pay&category=BGS/HR").out, "id");
  ASSERT_FALSE(payroll.empty());
  EXPECT_EQ(status(other, {"-X", "POST", "-H", "Content-Type: text/plain", "--data-binary", "x",
                           Api("/documents?title=x&category=BGS/HR")}),
            "403");
  // No one files above their own clearance.
  EXPECT_EQ(status(hr, {"-X", "POST", "-H", "Content-Type: text/plain", "--data-binary", "x",
                        Api("/documents?title=x&category=BGS&classification=confidential")}),
            "403");
  const std::string secret =
      JsonField(file(officer, "merger plan confidential", "title=plan&category=BGS&classification=confidential").out, "id");
  ASSERT_FALSE(secret.empty());
  WaitIndexed();

  // The other department: every route says "not found", and search counts nothing.
  for (const std::string& path : {"/documents/" + payroll, "/documents/" + payroll + "/versions",
                                  "/documents/" + payroll + "/content"}) {
    EXPECT_EQ(status(other, {Api(path)}), "404") << path;
  }
  EXPECT_EQ(status(other, {"-X", "PATCH", "-d", R"({"title":"mine"})", Api("/documents/" + payroll)}), "404");
  EXPECT_EQ(status(other, {"-X", "POST", "--data-binary", "v2", Api("/documents/" + payroll + "/versions")}), "404");
  EXPECT_EQ(as(other, {Api("/documents")}).out.find(payroll), std::string::npos);
  const CommandResult found = as(other, {Api("/search?q=salary")});
  EXPECT_EQ(JsonField(found.out, "estimated_total"), "0") << found.out;
  EXPECT_EQ(found.out.find(payroll), std::string::npos);
  // Nor may it move its own documents into the HR category.
  const std::string memo = JsonField(file(other, "budget memo", "title=memo&category=BGS").out, "id");
  EXPECT_EQ(status(other, {"-X", "PATCH", "-d", R"({"category":"BGS/HR"})", Api("/documents/" + memo)}), "403");

  // HR reads its records, but not the confidential plan.
  EXPECT_EQ(status(hr, {Api("/documents/" + payroll + "/content")}), "200");
  EXPECT_NE(as(hr, {Api("/search?q=salary")}).out.find(payroll), std::string::npos);
  EXPECT_EQ(status(hr, {Api("/documents/" + secret)}), "404");
  EXPECT_EQ(as(hr, {Api("/search?q=merger")}).out.find(secret), std::string::npos);
  // The records officer reads every category, up to its clearance.
  EXPECT_EQ(status(officer, {Api("/documents/" + payroll)}), "200");
  EXPECT_EQ(status(officer, {Api("/documents/" + secret)}), "200");
  const std::string listed = as(officer, {Api("/documents")}).out;
  EXPECT_NE(listed.find(payroll), std::string::npos);
  EXPECT_NE(listed.find(secret), std::string::npos);

  // A change of access holds from the next request on (the daemon keeps the rules between
  // requests): the finance department is let in, then shut out again.
  ASSERT_EQ(CurlStatus({"-X", "PATCH", "-d", R"({"readers":["dept:人事处","dept:财务处"]})", Api("/categories/BGS/HR")}), 200);
  EXPECT_EQ(status(other, {Api("/documents/" + payroll)}), "200");
  ASSERT_EQ(CurlStatus({"-X", "PATCH", "-d", R"({"readers":["dept:人事处"]})", Api("/categories/BGS/HR")}), 200);
  EXPECT_EQ(status(other, {Api("/documents/" + payroll)}), "404");
}

TEST_F(AuthzTest, LoginLogoutAndExpiredOrRevokedTokens) {
  ASSERT_EQ(JsonField(Curl({"-X", "POST", "-d", R"({"name":"li","roles":["ROLE_CLERK"],"password":"correct horse battery"})",
                            Api("/users")}).out,
                      "name"),
            "li");
  EXPECT_EQ(CurlStatus({"-X", "POST", "-d", R"({"user":"li","password":"wrong password!"})", Api("/login")}, false), 401);
  const CommandResult login =
      Curl({"-X", "POST", "-d", R"({"user":"li","password":"correct horse battery"})", Api("/login")}, false);
  const std::string token = JsonField(login.out, "token");
  ASSERT_FALSE(token.empty()) << login.out;
  const std::string bearer = "Authorization: Bearer " + token;
  const CommandResult who = RunCommand({"/usr/bin/curl", "-sS", "-H", bearer, Api("/whoami")});
  EXPECT_NE(who.out.find(R"("name":"li")"), std::string::npos) << who.out;
  const std::string token_id = JsonField(who.out, "token_id");
  // Revoking one's own token (logout): the next call is 401.
  EXPECT_EQ(RunCommand({"/usr/bin/curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE", "-H", bearer,
                        Api("/tokens/" + token_id)}).out,
            "200");
  EXPECT_EQ(RunCommand({"/usr/bin/curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", bearer, Api("/whoami")}).out,
            "401");
  // Bad bodies are 400s that say what is wrong, and the daemon serves on.
  const CommandResult bad = Curl({"-X", "POST", "-d", R"({"name":"x","roles":["ROLE_KING"]})", Api("/users")});
  EXPECT_NE(bad.out.find("INVALID_ARGUMENT"), std::string::npos) << bad.out;
  EXPECT_EQ(CurlStatus({"-X", "POST", "-d", R"({"name":"UPPER","roles":["ROLE_CLERK"]})", Api("/users")}), 400);
  EXPECT_EQ(CurlStatus({"-X", "POST", "-d", "{", Api("/login")}, false), 400);
  EXPECT_EQ(CurlStatus({Api("/whoami")}), 200);
}

// Content reads are on the trail; the auditor reads it by filters; a trail edited while the
// daemon was stopped is found on the next start and named by its first bad event.
TEST_F(AuthzTest, TheAuditorSeesReadsAndAnEditedTrailIsFoundOnStart) {
  const std::string id = JsonField(Curl({"-X", "POST", "-H", "Content-Type: text/plain", "--data-binary", "minutes",
                                         Api("/documents?title=m&category=BGS")}).out,
                                   "id");
  ASSERT_EQ(Curl({Api("/documents/" + id + "/content")}).out, "minutes");
  const CommandResult auditor = Curl({"-X", "POST", "-d", R"({"name":"aud","roles":["ROLE_AUDITOR"]})", Api("/users")});
  ASSERT_EQ(JsonField(auditor.out, "name"), "aud") << auditor.out;
  const std::string token = JsonField(Curl({"-X", "POST", "-d", R"({"user":"aud"})", Api("/tokens")}).out, "token");
  const std::map<std::string, std::string> env = {{"ARCHIVED_URL", daemon_->url()}, {"ARCHIVED_TOKEN", token}};
  const CommandResult reads =
      RunCommand({ArchivectlBinaryPath().string(), "audit", "log", "--action", "document.content", "--object", id}, env);
  ASSERT_EQ(reads.exit_code, 0) << reads.err;
  EXPECT_NE(reads.out.find("version=1"), std::string::npos) << reads.out;
  EXPECT_NE(reads.out.find("admin"), std::string::npos) << reads.out;
  const CommandResult logins = RunCommand({ArchivectlBinaryPath().string(), "--json", "audit", "log", "--actor",
                                           "nobody-at-all"}, env);
  EXPECT_EQ(logins.out.find("\"seq\""), std::string::npos) << logins.out;
  EXPECT_EQ(RunCommand({ArchivectlBinaryPath().string(), "audit", "verify"}, env).exit_code, 0);

  // Edit event 3 on the stopped daemon's store.
  ASSERT_EQ(daemon_->Stop(), 0);
  {
    auto store = storage::OpenRocksStore({.directory = dir_.path() / "data" / "db"});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    v1::AuditRecord record;
    ASSERT_TRUE(record.ParseFromString(*(*store)->Get(storage::Keyspace::kAudit, audit::AuditKey(3))));
    v1::AuditEvent event;
    ASSERT_TRUE(event.ParseFromString(record.event()));
    event.set_actor("someone-else");
    record.set_event(event.SerializeAsString());
    storage::WriteBatch batch;
    batch.Put(storage::Keyspace::kAudit, audit::AuditKey(3), record.SerializeAsString());
    ASSERT_TRUE((*store)->Commit(batch, {.sync = true}).ok());
  }
  StartDaemon();
  const CommandResult health = Curl({daemon_->url() + "/healthz"}, false);
  EXPECT_NE(health.out.find("broken at event 3"), std::string::npos) << health.out;
  const std::map<std::string, std::string> env2 = {{"ARCHIVED_URL", daemon_->url()}, {"ARCHIVED_TOKEN", token}};
  const CommandResult verify = RunCommand({ArchivectlBinaryPath().string(), "audit", "verify"}, env2);
  EXPECT_EQ(verify.exit_code, 3);
  EXPECT_NE(verify.out.find("at event 3"), std::string::npos) << verify.out;
}

// Signed checkpoints outside the data directory: the live trail must still pass through
// each one. Cutting events off the end, which leaves a consistent chain, is found against an
// earlier checkpoint; so is an altered checkpoint file.
TEST_F(AuthzTest, ACheckpointFindsATrailCutShort) {
  const auto checkpoint = dir_.path() / "checkpoints" / "audit.json";
  std::filesystem::create_directories(checkpoint.parent_path());
  const auto config = WriteFile("archived.toml", "[audit]\ncheckpoint_file = \"" + checkpoint.string() +
                                                    "\"\ncheckpoint_every_events = 1\n");
  RestartDaemon(config);
  ASSERT_TRUE(std::filesystem::exists(checkpoint));
  for (int i = 0; i < 3; ++i) {
    Curl({"-X", "POST", "-H", "Content-Type: text/plain", "--data-binary", "memo " + std::to_string(i),
          Api("/documents?title=m&category=BGS")});
  }
  ASSERT_EQ(daemon_->Stop(), 0);  // the last checkpoint holds every event
  const auto kept = dir_.path() / "kept-checkpoint.json";
  std::filesystem::copy_file(checkpoint, kept);
  StartDaemon(config);
  const auto verify = [&](const std::filesystem::path& file) {
    return Ctl({"audit", "verify", "--checkpoint", file.string()});
  };
  const CommandResult intact = verify(kept);
  EXPECT_EQ(intact.exit_code, 0) << intact.out << intact.err;
  EXPECT_NE(intact.out.find("holds the checkpoint"), std::string::npos) << intact.out;
  ASSERT_EQ(daemon_->Stop(), 0);
  const CommandResult offline = RunCommand({ArchivedBinaryPath().string(), "verify-audit", "--data-dir",
                                            (dir_.path() / "data").string(), "--checkpoint", kept.string()});
  EXPECT_EQ(offline.exit_code, 0) << offline.out << offline.err;
  EXPECT_NE(offline.out.find("holds the checkpoint"), std::string::npos) << offline.out;
  StartDaemon(config);

  // An altered checkpoint is refused.
  std::string text;
  {
    std::ifstream in(kept);
    std::stringstream s;
    s << in.rdbuf();
    text = s.str();
  }
  const std::size_t at = text.find("\"seq\":\"");
  ASSERT_NE(at, std::string::npos) << text;
  std::string altered = text;
  altered[at + 7] = altered[at + 7] == '9' ? '8' : '9';
  const auto forged = WriteFile("forged.json", altered);
  const CommandResult refused = verify(forged);
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_NE(refused.out.find("CHECKPOINT REFUSED"), std::string::npos) << refused.out;

  // Cut the last two events off the stopped daemon's trail.
  ASSERT_EQ(daemon_->Stop(), 0);
  std::uint64_t last = 0;
  {
    auto store = storage::OpenRocksStore({.directory = dir_.path() / "data" / "db"});
    ASSERT_TRUE(store.ok());
    const StatusOr<audit::ChainHead> head = audit::ReadHead(**store);
    ASSERT_TRUE(head.ok());
    last = head->seq;
    storage::WriteBatch batch;
    batch.Delete(storage::Keyspace::kAudit, audit::AuditKey(last));
    batch.Delete(storage::Keyspace::kAudit, audit::AuditKey(last - 1));
    ASSERT_TRUE((*store)->Commit(batch, {.sync = true}).ok());
  }
  // Offline, with the daemon stopped, the same finding.
  const std::string data = (dir_.path() / "data").string();
  const CommandResult offline_cut =
      RunCommand({ArchivedBinaryPath().string(), "verify-audit", "--data-dir", data, "--checkpoint", kept.string()});
  EXPECT_EQ(offline_cut.exit_code, 3) << offline_cut.out << offline_cut.err;
  EXPECT_NE(offline_cut.out.find("CUT SHORT"), std::string::npos) << offline_cut.out;
  const CommandResult offline_forged =
      RunCommand({ArchivedBinaryPath().string(), "verify-audit", "--data-dir", data, "--checkpoint", forged.string()});
  EXPECT_EQ(offline_forged.exit_code, 3);
  EXPECT_NE(offline_forged.out.find("CHECKPOINT REFUSED"), std::string::npos) << offline_forged.out;
  StartDaemon(config);
  EXPECT_EQ(Ctl({"audit", "verify"}).exit_code, 0);  // consistent on its own
  const CommandResult cut = verify(kept);
  EXPECT_EQ(cut.exit_code, 3);
  EXPECT_NE(cut.out.find("CUT SHORT"), std::string::npos) << cut.out;
  EXPECT_NE(cut.out.find("events from " + std::to_string(last - 1) + " are gone"), std::string::npos) << cut.out;
}

// The fixity scrub reads every version back: an altered chunk and a missing one are each
// reported by document and version, and the run is on the audit trail.
TEST_F(AuthzTest, AScrubFindsAlteredAndMissingChunks) {
  for (int i = 0; i < 3; ++i) {
    Curl({"-X", "POST", "-H", "Content-Type: text/plain", "--data-binary", "document " + std::to_string(i),
          Api("/documents?title=d&category=BGS")});
  }
  const CommandResult clean = Ctl({"admin", "scrub"});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find("3 documents, 3 versions"), std::string::npos) << clean.out;
  ASSERT_EQ(daemon_->Stop(), 0);
  {
    auto store = storage::OpenRocksStore({.directory = dir_.path() / "data" / "db"});
    ASSERT_TRUE(store.ok());
    auto it = (*store)->NewIterator(storage::Keyspace::kChunks);
    it->SeekToFirst();
    ASSERT_TRUE(it->Valid());
    const std::string first_key(it->key());
    std::string altered(it->value());
    altered[altered.size() / 2] ^= 0x01;
    it->Next();
    ASSERT_TRUE(it->Valid());
    const std::string second_key(it->key());
    it.reset();
    storage::WriteBatch batch;
    batch.Put(storage::Keyspace::kChunks, first_key, altered);
    batch.Delete(storage::Keyspace::kChunks, second_key);
    ASSERT_TRUE((*store)->Commit(batch, {.sync = true}).ok());
  }
  StartDaemon();
  const CommandResult damaged = Ctl({"admin", "scrub"});
  EXPECT_EQ(damaged.exit_code, 3) << damaged.out << damaged.err;
  EXPECT_NE(damaged.out.find("2 problems"), std::string::npos) << damaged.out;
  EXPECT_NE(damaged.out.find("Z001-"), std::string::npos) << damaged.out;
  EXPECT_NE(damaged.out.find("version 1"), std::string::npos) << damaged.out;
  // The run is audited.
  const std::string events = Curl({Api("/audit/events?action=archive.scrub")}).out;
  EXPECT_NE(events.find("problems=2"), std::string::npos) << events;
  EXPECT_NE(events.find("\"outcome\":\"failed\""), std::string::npos) << events;
}

// The scrub also runs on its own schedule: with every_seconds = 1 a run by "schedule" lands
// on the audit trail soon after the start, and again after it.
TEST_F(AuthzTest, TheScrubRunsOnItsSchedule) {
  Curl({"-X", "POST", "-H", "Content-Type: text/plain", "--data-binary", "scheduled", Api("/documents?title=s&category=BGS")});
  const auto config = WriteFile("archived.toml", "[scrub]\nevery_seconds = 1\n");
  RestartDaemon(config);
  int scheduled_runs = 0;
  for (int i = 0; i < 100 && scheduled_runs < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const std::string events = Curl({Api("/audit/events?action=archive.scrub&actor=schedule")}).out;
    scheduled_runs = 0;
    for (std::size_t at = events.find("\"action\":\"archive.scrub\""); at != std::string::npos;
         at = events.find("\"action\":\"archive.scrub\"", at + 1)) {
      ++scheduled_runs;
    }
  }
  EXPECT_GE(scheduled_runs, 2) << daemon_->Log();
  const std::string latest = Curl({Api("/admin/scrub")}).out;
  EXPECT_NE(latest.find("\"requested_by\":\"schedule\""), std::string::npos) << latest;
  EXPECT_NE(latest.find("\"documents\":\"1\""), std::string::npos) << latest;
}

}  // namespace
}  // namespace archived::testing
