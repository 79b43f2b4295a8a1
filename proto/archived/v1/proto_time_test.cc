// proto_time: microseconds survive the round trip, before and after 1970, and nanos stay in
// [0, 1e9) as google.protobuf.Timestamp requires.
#include "archived/v1/proto_time.h"

#include <gtest/gtest.h>

namespace archived::v1 {
namespace {

TEST(ProtoTimeTest, RoundTripsMicrosecondsOnBothSidesOfTheEpoch) {
  for (const std::int64_t micros : {0LL, 1LL, 999999LL, 1000000LL, 1795000000123456LL, -1LL, -1000001LL}) {
    google::protobuf::Timestamp t;
    SetTime(&t, FromUnixMicros(micros));
    EXPECT_GE(t.nanos(), 0) << micros;
    EXPECT_LT(t.nanos(), 1000000000) << micros;
    EXPECT_EQ(ToUnixMicros(TimeOf(t)), micros);
  }
  google::protobuf::Timestamp t;
  SetTime(&t, FromUnixMicros(-1));
  EXPECT_EQ(t.seconds(), -1);
  EXPECT_EQ(t.nanos(), 999999000);
}

}  // namespace
}  // namespace archived::v1
