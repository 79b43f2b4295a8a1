// The one conversion between archived::Timestamp (microseconds since the Unix epoch, UTC)
// and google.protobuf.Timestamp, used by every module that stores or sends times in the
// schema. Microsecond precision both ways. Thread-safe.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include "archived/base/clock.h"

namespace archived::v1 {

void SetTime(google::protobuf::Timestamp* out, Timestamp time);
Timestamp TimeOf(const google::protobuf::Timestamp& time);

}  // namespace archived::v1
