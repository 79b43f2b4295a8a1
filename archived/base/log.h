// One line per event to stderr, prefixed with the UTC time. For the daemon, the HTTP layer
// and background jobs only; libraries return Status instead of logging. Never pass secrets
// or document content. Thread-safe (lines are written whole).
#pragma once

#include <string_view>

namespace archived {

void LogLine(std::string_view line);

}  // namespace archived
