#include "archived/v1/proto_time.h"

namespace archived::v1 {

void SetTime(google::protobuf::Timestamp* out, Timestamp time) {
  const std::int64_t micros = ToUnixMicros(time);
  // Floor division, so that times before 1970 keep nanos in [0, 1e9) as the type requires.
  std::int64_t seconds = micros / 1000000;
  std::int64_t rest = micros % 1000000;
  if (rest < 0) {
    --seconds;
    rest += 1000000;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<std::int32_t>(rest) * 1000);
}

Timestamp TimeOf(const google::protobuf::Timestamp& time) {
  return FromUnixMicros(time.seconds() * 1000000 + time.nanos() / 1000);
}

}  // namespace archived::v1
