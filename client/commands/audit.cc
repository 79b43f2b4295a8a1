// archivectl audit log and archivectl audit verify: the audit trail, for the auditor.
#include <cstdio>

#include <google/protobuf/util/time_util.h>

#include <fstream>
#include <sstream>

#include "archived/audit/checkpoint.h"
#include "archived/v1/api.pb.h"
#include "client/cli.h"

namespace archived::client {
namespace {

// Checks the live trail against a checkpoint exported earlier: its signature, its key (the
// archive's), and that the chain still passes through its head. Exit 0 when it does, 3 when
// the trail was cut or rewritten since, 1 for an unusable file.
int VerifyAgainstCheckpoint(const Context& context, const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return Fail("audit verify", InvalidArgumentError("cannot read the checkpoint file " + path));
  StatusOr<v1::AuditCheckpoint> checkpoint = audit::ParseCheckpointJson(text.str());
  if (!checkpoint.ok()) return Fail("audit verify " + path, checkpoint.status());
  if (Status signed_ok = audit::VerifyCheckpointSignature(*checkpoint); !signed_ok.ok()) {
    std::printf("CHECKPOINT REFUSED: %s\n", signed_ok.message().c_str());
    return 3;
  }
  StatusOr<Response> current = context.NewClient().Call("GET", "/api/v1/audit/checkpoint");
  StatusOr<v1::AuditCheckpoint> live =
      current.ok() ? ParseBody<v1::AuditCheckpoint>(*current) : StatusOr<v1::AuditCheckpoint>(current.status());
  if (live.ok() && live->public_key() != checkpoint->public_key()) {
    std::printf("CHECKPOINT REFUSED: signed by another key than this archive's (another archive, or a new master key)\n");
    return 3;
  }
  StatusOr<Response> r = context.NewClient().Call("GET", "/api/v1/audit/verify?at_seq=" + std::to_string(checkpoint->seq()));
  StatusOr<v1::AuditVerification> v =
      r.ok() ? ParseBody<v1::AuditVerification>(*r) : StatusOr<v1::AuditVerification>(r.status());
  if (!v.ok()) return Fail("audit verify", v.status());
  const audit::CheckpointFinding finding = audit::CompareWithCheckpoint(*v, *checkpoint);
  std::printf("%s\n", finding.message.c_str());
  return finding.holds ? 0 : 3;
}

}  // namespace

int RunAudit(const Context& context, const Args& args) {
  const std::string usage =
      "usage: archivectl audit log [--since T] [--until T] [--actor A] [--object ID] [--action A] "
      "[--from-seq N] [--limit N] | verify [--checkpoint FILE]";
  const std::string verb = args.positional.empty() ? "" : args.positional[0];
  if (verb == "verify" && args.positional.size() == 1) {
    if (auto file = args.Get("checkpoint")) return VerifyAgainstCheckpoint(context, *file);
    StatusOr<Response> r = context.NewClient().Call("GET", "/api/v1/audit/verify");
    StatusOr<v1::AuditVerification> v =
        r.ok() ? ParseBody<v1::AuditVerification>(*r) : StatusOr<v1::AuditVerification>(r.status());
    if (!v.ok()) return Fail("audit verify", v.status());
    if (context.json) {
      std::printf("%s\n", r->body.c_str());
    } else if (v->ok()) {
      std::printf("audit trail intact: %llu events, head %s\n", static_cast<unsigned long long>(v->events()),
                  v->head_hash().c_str());
    } else {
      std::printf("AUDIT TRAIL BROKEN at event %llu: %s\n", static_cast<unsigned long long>(v->first_bad_seq()),
                  v->problem().c_str());
    }
    return v->ok() ? 0 : 3;
  }
  if (verb != "log" || args.positional.size() != 1) return Fail("audit", InvalidArgumentError(usage));
  std::string query;
  for (const auto& [flag, param] : {std::pair{"since", "since"}, std::pair{"until", "until"}, std::pair{"actor", "actor"},
                                    std::pair{"object", "object"}, std::pair{"action", "action"},
                                    std::pair{"from-seq", "from_seq"}, std::pair{"limit", "limit"}}) {
    if (auto value = args.Get(flag)) query += std::string(query.empty() ? "?" : "&") + param + "=" + Escape(*value);
  }
  StatusOr<Response> r = context.NewClient().Call("GET", "/api/v1/audit/events" + query);
  StatusOr<v1::AuditEventList> list = r.ok() ? ParseBody<v1::AuditEventList>(*r) : StatusOr<v1::AuditEventList>(r.status());
  if (!list.ok()) return Fail("audit log", list.status());
  if (context.json) {
    std::printf("%s\n", r->body.c_str());
    return 0;
  }
  std::printf("%-8s %-20s %-12s %-16s %-18s %-26s %-8s %s\n", "SEQ", "TIME", "ACTOR", "ROLE", "ACTION", "OBJECT",
              "OUTCOME", "DETAIL");
  for (const v1::AuditEvent& e : list->events()) {
    const std::string time = google::protobuf::util::TimeUtil::ToString(e.time()).substr(0, 19);
    std::printf("%-8llu %-20s %-12s %-16s %-18s %-26s %-8s %s\n", static_cast<unsigned long long>(e.seq()),
                time.c_str(), e.actor().c_str(), e.role().empty() ? "-" : e.role().c_str(), e.action().c_str(),
                e.object_id().empty() ? "-" : e.object_id().c_str(), e.outcome().empty() ? "ok" : e.outcome().c_str(),
                e.detail().c_str());
  }
  if (!list->next_cursor().empty()) std::printf("\n(more: --from-seq %s)\n", list->next_cursor().c_str());
  return 0;
}

}  // namespace archived::client
