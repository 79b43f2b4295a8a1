// Actor: who asked for a change, as recorded on its audit event. A value type.
#pragma once

#include <string>

namespace archived::audit {

struct Actor {
  std::string name;        // the principal's name, e.g. "admin"; "system" for the daemon
  std::string request_id;  // the HTTP request id, or empty
};

}  // namespace archived::audit
