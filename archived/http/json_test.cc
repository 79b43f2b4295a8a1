// The JSON writer against protobuf's own (MessageToJsonString with the same options): for
// every message of the API's protos, empty and filled by reflection with awkward values
// (escapes, Chinese, 64-bit extremes, NaN, unknown enum numbers, maps, nested messages,
// timestamps at every precision), both answers must be the same JSON value, and ours must
// parse back into the message it came from.
#include "archived/http/json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <cmath>
#include <iterator>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "archived/base/text.h"
#include "archived/v1/api.pb.h"
#include "archived/v1/audit.pb.h"
#include "archived/v1/auth.pb.h"
#include "archived/v1/backup.pb.h"
#include "archived/v1/catalog.pb.h"
#include "archived/v1/registers.pb.h"
#include "archived/v1/retention.pb.h"
#include "archived/v1/search.pb.h"
#include "tests/testing/status_matchers.h"

namespace archived::http {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string ProtobufJson(const Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &out, options).ok());
  return out;
}

google::protobuf::Value AsValue(const std::string& json) {
  google::protobuf::Value value;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &value).ok()) << json;
  return value;
}

class Filler {
 public:
  explicit Filler(unsigned seed) : random_(seed) {}

  void Fill(Message& message, int depth) {
    const Descriptor* d = message.GetDescriptor();
    const Reflection* r = message.GetReflection();
    if (d->full_name() == "google.protobuf.Timestamp") {
      static const std::int32_t kNanos[] = {0, 5'000'000, 123'000, 7, 999'999'999};
      r->SetInt64(&message, d->FindFieldByNumber(1), 1'700'000'000 + Pick(100'000'000));
      r->SetInt32(&message, d->FindFieldByNumber(2), kNanos[Pick(5)]);
      return;
    }
    if (d->full_name() == "google.protobuf.Value") {
      // JSON has no value of no kind, and its numbers are finite.
      auto& value = static_cast<google::protobuf::Value&>(message);
      Pick(2) ? value.set_string_value(Text()) : value.set_number_value(Pick(2) ? 1.5 : -1e300);
      return;
    }
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* field = d->field(i);
      if (Pick(4) == 0) continue;  // left at its default (or unset)
      if (field->containing_oneof() != nullptr && Pick(2) == 0) continue;
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && depth >= 3) continue;
      if (field->is_repeated()) {
        const int n = Pick(4);
        for (int j = 0; j < n; ++j) Add(message, field, depth);
      } else {
        Set(message, field, depth);
      }
    }
  }

 private:
  int Pick(int n) { return static_cast<int>(random_() % static_cast<unsigned>(n)); }

  std::string Text() {
    static constexpr std::string_view kTexts[] = {
        "", "plain", "quote \" and back\\slash", "控制\n\t\r\b\f字符", "会议纪要.docx", "<script>&amp;</script>",
        std::string_view("nul\0byte", 8), "\x7f\x01\x1f", "emoji 📁 U+2028 \u2028 end"};
    return std::string(kTexts[Pick(static_cast<int>(std::size(kTexts)))]);
  }
  std::string Bytes() {
    std::string out(static_cast<std::size_t>(Pick(20)), '\0');
    for (char& c : out) c = static_cast<char>(random_());
    return out;
  }
  double Double() {
    // (No -0.0: both writers give "-0", and protobuf's parser reads it back as 0.)
    static const double kDoubles[] = {0.0, 3.0, 0.1, 1.5, -2.25, 1e21, 1e-7, 123456789.125,
                                      std::numeric_limits<double>::max(), std::numeric_limits<double>::quiet_NaN(),
                                      std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
    return kDoubles[Pick(12)];
  }

  void Set(Message& m, const FieldDescriptor* f, int depth) {
    const Reflection* r = m.GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: r->SetInt32(&m, f, Pick(2) ? -7 : std::numeric_limits<std::int32_t>::min()); break;
      case FieldDescriptor::CPPTYPE_UINT32: r->SetUInt32(&m, f, Pick(2) ? 42u : std::numeric_limits<std::uint32_t>::max()); break;
      case FieldDescriptor::CPPTYPE_INT64: r->SetInt64(&m, f, Pick(2) ? -9 : std::numeric_limits<std::int64_t>::min()); break;
      case FieldDescriptor::CPPTYPE_UINT64: r->SetUInt64(&m, f, Pick(2) ? 1u : std::numeric_limits<std::uint64_t>::max()); break;
      case FieldDescriptor::CPPTYPE_DOUBLE: r->SetDouble(&m, f, Double()); break;
      case FieldDescriptor::CPPTYPE_FLOAT: r->SetFloat(&m, f, static_cast<float>(Double())); break;
      case FieldDescriptor::CPPTYPE_BOOL: r->SetBool(&m, f, Pick(2) == 0); break;
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* e = f->enum_type();
        r->SetEnumValue(&m, f, Pick(5) == 0 ? 97 : e->value(Pick(e->value_count()))->number());  // 97: unknown
        break;
      }
      case FieldDescriptor::CPPTYPE_STRING:
        r->SetString(&m, f, f->type() == FieldDescriptor::TYPE_BYTES ? Bytes() : Text());
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE: Fill(*r->MutableMessage(&m, f), depth + 1); break;
    }
  }

  void Add(Message& m, const FieldDescriptor* f, int depth) {
    const Reflection* r = m.GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: r->AddInt32(&m, f, -3); break;
      case FieldDescriptor::CPPTYPE_UINT32: r->AddUInt32(&m, f, 3); break;
      case FieldDescriptor::CPPTYPE_INT64: r->AddInt64(&m, f, std::numeric_limits<std::int64_t>::max()); break;
      case FieldDescriptor::CPPTYPE_UINT64: r->AddUInt64(&m, f, 12345678901234567890u); break;
      case FieldDescriptor::CPPTYPE_DOUBLE: r->AddDouble(&m, f, Double()); break;
      case FieldDescriptor::CPPTYPE_FLOAT: r->AddFloat(&m, f, 0.5f); break;
      case FieldDescriptor::CPPTYPE_BOOL: r->AddBool(&m, f, true); break;
      case FieldDescriptor::CPPTYPE_ENUM: r->AddEnumValue(&m, f, f->enum_type()->value(0)->number()); break;
      case FieldDescriptor::CPPTYPE_STRING:
        r->AddString(&m, f, f->type() == FieldDescriptor::TYPE_BYTES ? Bytes() : Text());
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        Message* added = r->AddMessage(&m, f);
        if (f->is_map()) {
          // A distinct key per entry: a map keeps one value per key.
          const FieldDescriptor* key = f->message_type()->map_key();
          const int n = r->FieldSize(m, f);
          if (key->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
            added->GetReflection()->SetString(added, key, "键 \"" + std::to_string(n));
          } else {
            Set(*added, key, depth);
          }
          Set(*added, f->message_type()->map_value(), depth);
        } else {
          Fill(*added, depth + 1);
        }
        break;
      }
    }
  }

  std::mt19937 random_;
};

// Every message type of the API's protos, nested ones included.
std::vector<const Descriptor*> ApiMessages() {
  // Touched so that the linker keeps (and registers) every file's descriptors.
  for (const Descriptor* d : {v1::FileResponse::descriptor(), v1::AuditEvent::descriptor(), v1::User::descriptor(),
                              v1::BackupMember::descriptor(), v1::Document::descriptor(), v1::Staff::descriptor(),
                              v1::RetentionSchedule::descriptor(), v1::SearchHit::descriptor()}) {
    EXPECT_NE(d, nullptr);
  }
  std::vector<const Descriptor*> out;
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const char* file : {"archived/v1/api.proto", "archived/v1/audit.proto", "archived/v1/auth.proto",
                           "archived/v1/backup.proto", "archived/v1/catalog.proto", "archived/v1/registers.proto",
                           "archived/v1/retention.proto", "archived/v1/search.proto"}) {
    const google::protobuf::FileDescriptor* f = pool->FindFileByName(file);
    EXPECT_NE(f, nullptr) << file;
    if (f == nullptr) continue;
    std::vector<const Descriptor*> todo;
    for (int i = 0; i < f->message_type_count(); ++i) todo.push_back(f->message_type(i));
    while (!todo.empty()) {
      const Descriptor* d = todo.back();
      todo.pop_back();
      if (d->options().map_entry()) continue;
      out.push_back(d);
      for (int i = 0; i < d->nested_type_count(); ++i) todo.push_back(d->nested_type(i));
    }
  }
  return out;
}

TEST(JsonTest, EveryApiMessageIsWrittenAsProtobufWritesIt) {
  const std::vector<const Descriptor*> types = ApiMessages();
  ASSERT_GT(types.size(), 30u);
  Filler filler(20261125);
  int compared = 0;
  for (const Descriptor* d : types) {
    const Message* prototype = google::protobuf::MessageFactory::generated_factory()->GetPrototype(d);
    ASSERT_NE(prototype, nullptr) << d->full_name();
    for (int round = 0; round < 12; ++round) {
      std::unique_ptr<Message> message(prototype->New());
      if (round > 0) filler.Fill(*message, 0);
      const std::string ours = ToJson(*message);
      const std::string theirs = ProtobufJson(*message);
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(AsValue(ours), AsValue(theirs)))
          << d->full_name() << "\nours:   " << ours << "\ntheirs: " << theirs;
      // And it reads back as the same message (NaN aside, which equals nothing).
      if (ours.find("NaN") == std::string::npos) {
        std::unique_ptr<Message> back(prototype->New());
        ASSERT_OK(FromJson(ours, back.get())) << ours;
        google::protobuf::util::MessageDifferencer differencer;
        std::string differences;
        differencer.ReportDifferencesToString(&differences);
        EXPECT_TRUE(differencer.Compare(*message, *back)) << d->full_name() << "\n" << differences;
      }
      ++compared;
    }
  }
  EXPECT_EQ(compared, static_cast<int>(types.size()) * 12);
}

TEST(JsonTest, StringsAreEscapedAndTimestampsKeepTheirPrecision) {
  v1::Document doc;
  doc.set_title(std::string("a\"b\\c\n\x01\x7f 档号"));
  doc.mutable_filed_time()->set_seconds(1'700'000'000);
  doc.mutable_filed_time()->set_nanos(5'000'000);
  doc.mutable_modified_time()->set_seconds(1'700'000'000);
  doc.mutable_modified_time()->set_nanos(123'456'789);
  const std::string json = ToJson(doc);
  EXPECT_NE(json.find(R"("title":"a\"b\\c\n\u0001\u007f 档号")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("filed_time":"2023-11-14T22:13:20.005Z")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("modified_time":"2023-11-14T22:13:20.123456789Z")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("tags":[])"), std::string::npos) << json;  // repeated fields are always there
  doc.set_title("<mark>档</mark> & more");
  EXPECT_NE(ToJson(doc).find(R"("title":"\u003cmark\u003e档\u003c/mark\u003e & more")"), std::string::npos) << ToJson(doc);
  // Protobuf writes set message fields after the rest; ours keep the order of the .proto.
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(AsValue(ToJson(doc)), AsValue(ProtobufJson(doc))));
  // Bytes that are not UTF-8 (never stored: text is checked on the way in) become U+FFFD.
  doc.set_title(std::string("ok\xff\xc3(\xe6\xa1", 7) + "档");
  const std::string replaced = ToJson(doc);
  EXPECT_NE(replaced.find("\"title\":\"ok\uFFFD\uFFFD(\uFFFD\uFFFD档\""), std::string::npos) << replaced;
  EXPECT_TRUE(IsValidUtf8(replaced));
  // Every character that needs escaping, at every position of a long run (the writer reads
  // eight bytes at a time), with ASCII and Chinese around it.
  for (const std::string special : {"\"", "\\", "\n", "\x01", "\x7f", "<", ">"}) {
    for (std::size_t at = 0; at < 20; ++at) {
      for (const std::string around : {"abcdefghijklmnop", "会议纪要会议纪要"}) {
        std::string before;
        while (before.size() < at) before += around;
        doc.set_title(before + special + around + special);
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(AsValue(ToJson(doc)), AsValue(ProtobufJson(doc))))
            << ToJson(doc);
        // Written escaped, never as itself (quotes and backslashes show up in their escapes).
        if (special != "\"" && special != "\\") {
          EXPECT_EQ(ToJson(doc).find(special), std::string::npos);
        }
      }
    }
  }
  // Well-known types other than Timestamp are protobuf's own mapping.
  google::protobuf::Struct object;
  (*object.mutable_fields())["k"].set_number_value(1.5);
  EXPECT_EQ(ToJson(object), R"({"k":1.5})");
}

}  // namespace
}  // namespace archived::http
