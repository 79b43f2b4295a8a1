// Actor: who asked for a change, as recorded on its audit event. A value type.
#pragma once

#include <string>

#include "archived/v1/audit.pb.h"

namespace archived::audit {

struct Actor {
  std::string name;            // the principal's name, e.g. "admin"; "system" for the daemon
  std::string request_id;      // the HTTP request id, or empty
  std::string role;            // the role the action was allowed under ("clerk" …), or empty
  std::string remote_address;  // the client's address, or empty
};

// An audit event of `actor` doing `action` to `object_id`, before the committer numbers and
// chains it.
inline v1::AuditEvent EventBy(const Actor& actor, std::string action, std::string object_id, std::string detail) {
  v1::AuditEvent event;
  event.set_actor(actor.name);
  event.set_request_id(actor.request_id);
  event.set_role(actor.role);
  event.set_remote_address(actor.remote_address);
  event.set_action(std::move(action));
  event.set_object_id(std::move(object_id));
  event.set_detail(std::move(detail));
  return event;
}

}  // namespace archived::audit
