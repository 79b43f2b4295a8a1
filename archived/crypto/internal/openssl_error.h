// The one translator from OpenSSL's error queue to Status, shared by the crypto module's
// OpenSSL files. Private to archived/crypto.
#pragma once

#include <string_view>

#include "archived/base/status.h"

namespace archived::crypto::internal {

// kInternal naming `operation` and every queued OpenSSL error. It drains the queue so that a
// later, unrelated failure does not report this one.
Status OpenSslError(std::string_view operation);

}  // namespace archived::crypto::internal
