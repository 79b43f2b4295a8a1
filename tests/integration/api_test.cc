// The HTTP API driven with curl against the real daemon: filing (raw and multipart), versions,
// byte-identical downloads, Range/304, metadata edits, pagination, Chinese names, empty and
// multi-GiB content with the daemon's memory measured, every malformed request the issue
// lists, authentication, persistence across restart, and a clean SIGTERM exit.
#include "tests/integration/harness.h"

namespace archived::testing {
namespace {

// How often `needle` occurs in `text`.
int Count(const std::string& text, std::string_view needle) {
  int n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

class ApiTest : public DaemonTest {
 protected:
  // Files `content` raw and returns the JSON answer.
  std::string FileRaw(const std::string& content, const std::string& query) {
    const auto path = WriteFile("raw-" + std::to_string(counter_++), content);
    const CommandResult r = Curl({"-X", "POST", "--data-binary", "@" + path.string(), "-H",
                                  "Content-Type: text/plain", Api("/documents?" + query)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  int counter_ = 0;
};

TEST_F(ApiTest, FileDownloadAndVersionsAreByteIdentical) {
  const std::string v1 = RandomBytes(3 << 20 | 123, 1);
  const std::string filed = FileRaw(v1, "title=report&category=BGS/WS&tags=a,b&author=Li&date=2026-03-01");
  const std::string id = JsonField(filed, "id");
  ASSERT_FALSE(id.empty()) << filed;
  EXPECT_EQ(JsonField(filed, "version"), "1");
  EXPECT_EQ(JsonField(filed, "size"), std::to_string(v1.size()));
  EXPECT_EQ(JsonField(filed, "reference_code"), "Z001-2026-D10-BGS.WS-0001");
  EXPECT_EQ(JsonField(filed, "sha256"), HexEncode(crypto::Sha256Of(v1)));

  const auto v2_path = WriteFile("v2.bin", "second version");
  const CommandResult v2 = Curl({"--data-binary", "@" + v2_path.string(), Api("/documents/" + id + "/versions?filename=v2.bin")});
  EXPECT_EQ(JsonField(v2.out, "version"), "2") << v2.out;

  const auto out1 = dir_.path() / "out1";
  const CommandResult got1 = Curl({"-o", out1.string(), "-w", "%{http_code}", Api("/documents/" + id + "/content?version=1")});
  EXPECT_EQ(got1.out, "200");
  EXPECT_EQ(FileSha256(out1), HexEncode(crypto::Sha256Of(v1)));
  EXPECT_EQ(Curl({Api("/documents/" + id + "/content")}).out, "second version");
  EXPECT_EQ(CurlStatus({Api("/documents/" + id + "/content?version=3")}), 404);
  EXPECT_EQ(CurlStatus({Api("/documents/" + id + "/content?version=zero")}), 400);

  const CommandResult versions = Curl({Api("/documents/" + id + "/versions")});
  EXPECT_NE(versions.out.find("\"filename\":\"v2.bin\""), std::string::npos) << versions.out;
  EXPECT_EQ(versions.out.find("content_id"), std::string::npos);  // internals stay inside
}

TEST_F(ApiTest, RangeAndConditionalRequests) {
  const std::string content = RandomBytes(2500000, 2);
  const std::string id = JsonField(FileRaw(content, "title=r"), "id");
  const std::string url = Api("/documents/" + id + "/content");
  // A range across the 1 MiB chunk boundary.
  const CommandResult part = Curl({"-H", "Range: bytes=1048000-1049999", "-D", "-", url});
  EXPECT_NE(part.out.find("206 Partial Content"), std::string::npos);
  EXPECT_NE(part.out.find("Content-Range: bytes 1048000-1049999/2500000"), std::string::npos);
  EXPECT_EQ(part.out.substr(part.out.find("\r\n\r\n") + 4), content.substr(1048000, 2000));
  EXPECT_EQ(Curl({"-H", "Range: bytes=-10", url}).out, content.substr(content.size() - 10));
  EXPECT_EQ(CurlStatus({"-H", "Range: bytes=9999999-", url}), 416);
  const std::string etag = "\"" + HexEncode(crypto::Sha256Of(content)) + "\"";
  EXPECT_EQ(CurlStatus({"-H", "If-None-Match: " + etag, url}), 304);
  EXPECT_EQ(CurlStatus({"-H", "If-None-Match: \"other\"", url}), 200);
  const CommandResult head = Curl({"-I", url});
  EXPECT_NE(head.out.find("Content-Length: 2500000"), std::string::npos) << head.out;
  EXPECT_NE(head.out.find("ETag: " + etag), std::string::npos);
}

TEST_F(ApiTest, ChineseTitlesAndFilenamesSurviveMultipart) {
  const auto meta = WriteFile("meta.json", R"({"title":"办公室主任的职责","category":"BGS/HR","tags":["职责","人事"]})");
  const auto doc = WriteFile("duties.txt", "办公室主任负责文件管理");
  const CommandResult filed = Curl({"-F", "metadata=@" + meta.string() + ";type=application/json",
                                    "-F", "file=@" + doc.string() + ";filename=会议纪要.docx", Api("/documents")});
  ASSERT_EQ(filed.exit_code, 0) << filed.err;
  EXPECT_EQ(JsonField(filed.out, "title"), "办公室主任的职责") << filed.out;
  EXPECT_EQ(JsonField(filed.out, "filename"), "会议纪要.docx");
  EXPECT_EQ(JsonField(filed.out, "reference_code"), "Z001-2026-Y-BGS.HR-0001");
  const std::string id = JsonField(filed.out, "id");
  const CommandResult head = Curl({"-D", "-", "-o", "/dev/null", Api("/documents/" + id + "/content")});
  EXPECT_NE(head.out.find("filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81.docx"), std::string::npos) << head.out;
  EXPECT_EQ(Curl({Api("/documents/" + id + "/content")}).out, "办公室主任负责文件管理");
  // Title via a query parameter, percent-encoded.
  EXPECT_EQ(JsonField(FileRaw("x", "title=%E9%80%9A%E7%9F%A5&category=BGS"), "title"), "通知");
}

TEST_F(ApiTest, MetadataEditsAreAuditedAndNeverTouchContent) {
  const std::string filed = FileRaw("content", "title=old&category=BGS");
  const std::string id = JsonField(filed, "id");
  const CommandResult patched = Curl({"-X", "PATCH", "-d", R"({"title":"新标题","tags":[],"category":"BGS/WS"})",
                                      Api("/documents/" + id)});
  EXPECT_EQ(JsonField(patched.out, "title"), "新标题") << patched.out;
  EXPECT_EQ(JsonField(patched.out, "reference_code"), JsonField(filed, "reference_code"));
  EXPECT_EQ(CurlStatus({"-X", "PATCH", "-d", R"({"sha256":"00"})", Api("/documents/" + id)}), 400);
  EXPECT_EQ(CurlStatus({"-X", "PATCH", "-d", R"({"title":"x","reference_code":"forged"})", Api("/documents/" + id)}), 400);
  EXPECT_EQ(CurlStatus({"-X", "PATCH", "-d", R"({"category":"NOPE"})", Api("/documents/" + id)}), 404);
  EXPECT_EQ(Curl({Api("/documents/" + id + "/content")}).out, "content");
  const CommandResult audit = Curl({Api("/audit/verify")});
  EXPECT_EQ(JsonField(audit.out, "ok"), "true") << audit.out;
  EXPECT_EQ(JsonField(audit.out, "events"), "6");  // create, admin user, token, file, update, read
}

TEST_F(ApiTest, PaginationWalksEveryDocumentNewestFirst) {
  for (int i = 0; i < 12; ++i) FileRaw("doc", "title=d" + std::to_string(i) + (i % 3 == 0 ? "&category=BGS/CB" : ""));
  std::vector<std::string> titles;
  std::string cursor;
  do {
    const CommandResult page = Curl({Api("/documents?limit=5" + (cursor.empty() ? "" : "&cursor=" + cursor))});
    for (std::size_t at = page.out.find("\"title\":\""); at != std::string::npos; at = page.out.find("\"title\":\"", at + 1)) {
      titles.push_back(page.out.substr(at + 9, page.out.find('"', at + 9) - at - 9));
    }
    cursor = JsonField(page.out, "next_cursor");
  } while (!cursor.empty());
  ASSERT_EQ(titles.size(), 12u);
  EXPECT_EQ(titles.front(), "d11");
  EXPECT_EQ(titles.back(), "d0");
  const CommandResult cb = Curl({Api("/documents?category=BGS/CB")});
  EXPECT_EQ(Count(cb.out, "\"reference_code\""), 4) << cb.out;
}

TEST_F(ApiTest, EmptyAndMultiGibContentWithBoundedMemory) {
  const std::string empty = FileRaw("", "title=empty");
  EXPECT_EQ(JsonField(empty, "size"), "0");
  EXPECT_EQ(CurlStatus({Api("/documents/" + JsonField(empty, "id") + "/content")}), 200);

  // 2 GiB of incompressible bytes, streamed from a file by curl.
  const std::filesystem::path big = dir_.path() / "big.bin";
  {
    std::ofstream out(big, std::ios::binary);
    const std::string block = RandomBytes(8 << 20, 3);
    for (int i = 0; i < 256; ++i) {
      std::string copy = block;
      std::memcpy(copy.data(), &i, sizeof(i));  // each block differs
      out.write(copy.data(), static_cast<std::streamsize>(copy.size()));
    }
  }
  const std::uint64_t rss_before = daemon_->RssBytes();
  // -T streams the file (--data-binary would load it into curl's memory first).
  const CommandResult filed = Curl({"-X", "POST", "-T", big.string(), "-H", "Content-Type: application/octet-stream",
                                    Api("/documents?title=big")});
  const std::uint64_t rss_after_upload = daemon_->PeakRssBytes();
  ASSERT_EQ(JsonField(filed.out, "sha256"), FileSha256(big)) << filed.out << filed.err;
  const auto back = dir_.path() / "back.bin";
  const CommandResult got = Curl({"-o", back.string(), Api("/documents/" + JsonField(filed.out, "id") + "/content")});
  EXPECT_EQ(FileSha256(back), FileSha256(big));
  const std::uint64_t rss_peak = daemon_->PeakRssBytes();
  std::printf("daemon RSS before %.1f MiB, peak after 2 GiB upload %.1f MiB, after download %.1f MiB\n",
              rss_before / 1048576.0, rss_after_upload / 1048576.0, rss_peak / 1048576.0);
  EXPECT_LT(rss_after_upload, rss_before + (64u << 20)) << "upload raised RSS by more than 64 MiB";
  EXPECT_LT(rss_peak, rss_before + (64u << 20)) << "download raised RSS by more than 64 MiB";
  std::filesystem::remove(big);
  std::filesystem::remove(back);
}

TEST_F(ApiTest, MalformedRequestsGetClearErrorsAndTheDaemonKeepsServing) {
  const std::string id = JsonField(FileRaw("x", "title=t"), "id");
  // 400s naming the problem.
  const CommandResult bad_json = Curl({"-X", "PATCH", "-d", "{not json", Api("/documents/" + id)});
  EXPECT_NE(bad_json.out.find("INVALID_ARGUMENT"), std::string::npos);
  const CommandResult bad_field = Curl({"--data-binary", "x", Api("/documents?title=t&date=2026-13-01")});
  EXPECT_NE(bad_field.out.find("date"), std::string::npos) << bad_field.out;
  const CommandResult unknown = Curl({"--data-binary", "x", Api("/documents?titel=t")});
  EXPECT_NE(unknown.out.find("titel"), std::string::npos) << unknown.out;
  EXPECT_EQ(CurlStatus({"-H", "Content-Type: multipart/form-data; boundary=zz", "--data-binary", "garbage",
                        Api("/documents")}), 400);
  const auto meta = WriteFile("bad-meta.json", R"({"title": 5, "nope": true})");
  EXPECT_EQ(CurlStatus({"-F", "metadata=@" + meta.string(), "-F", "file=@" + meta.string(), Api("/documents")}), 400);
  EXPECT_EQ(CurlStatus({"-F", "other=x", Api("/documents")}), 400);
  EXPECT_EQ(CurlStatus({Api("/documents?limit=-1")}), 400);
  EXPECT_EQ(CurlStatus({Api("/documents?cursor=zzzz")}), 400);
  std::string deep(100000, '[');
  EXPECT_EQ(CurlStatus({"-X", "PATCH", "-d", deep, Api("/documents/" + id)}), 400);
  // 404s.
  EXPECT_EQ(CurlStatus({Api("/documents/0123456789abcdef01234567")}), 404);
  EXPECT_EQ(CurlStatus({Api("/no/such/route")}), 404);
  EXPECT_EQ(CurlStatus({"-X", "DELETE", Api("/documents")}), 405);
  // Oversized headers: 431.
  EXPECT_EQ(CurlStatus({"-H", "X-Padding: " + std::string(10000, 'a'), Api("/documents")}), 431);
  // Oversized JSON body: 413.
  const auto huge = WriteFile("huge.json", "{\"title\":\"" + std::string(2 << 20, 'a') + "\"}");
  EXPECT_EQ(CurlStatus({"-X", "PATCH", "--data-binary", "@" + huge.string(), Api("/documents/" + id)}), 413);
  // Authentication: 401 with a JSON body, never the token.
  const CommandResult missing = Curl({Api("/documents")}, /*auth=*/false);
  EXPECT_NE(missing.out.find("UNAUTHENTICATED"), std::string::npos);
  EXPECT_EQ(CurlStatus({"-H", "Authorization: Bearer arc_wrong", Api("/documents")}, false), 401);
  EXPECT_EQ(CurlStatus({"-H", "Authorization: Basic YTpi", Api("/documents")}, false), 401);
  EXPECT_EQ(CurlStatus({daemon_->url() + "/healthz"}, false), 200);
  // Still serving, and nothing half-filed is visible.
  const CommandResult list = Curl({Api("/documents")});
  EXPECT_EQ(Count(list.out, "\"reference_code\""), 1) << list.out;
  EXPECT_EQ(daemon_->Log().find(daemon_->token()), std::string::npos) << "the log must never hold the token";
}

TEST_F(ApiTest, UploadOverTheConfiguredLimitIs413AndLeavesNothing) {
  const auto config = dir_.path() / "small.toml";
  std::ofstream(config) << "[limits]\nmax_upload_bytes = 1048576\n";
  RestartDaemon(config);
  const auto big = WriteFile("big", RandomBytes(3 << 20, 4));
  EXPECT_EQ(CurlStatus({"--data-binary", "@" + big.string(), Api("/documents?title=big")}), 413);
  // Chunked (no Content-Length): refused once the limit is crossed.
  EXPECT_EQ(CurlStatus({"-H", "Transfer-Encoding: chunked", "--data-binary", "@" + big.string(), Api("/documents?title=big")}), 413);
  const CommandResult list = Curl({Api("/documents")});
  EXPECT_EQ(list.out.find("\"title\":\"big\""), std::string::npos);
  EXPECT_EQ(CurlStatus({"--data-binary", "small", Api("/documents?title=small")}), 201);
}

TEST_F(ApiTest, DocumentsSurviveRestartAndSigtermExitsCleanly) {
  const std::string content = RandomBytes(1 << 20, 5);
  const std::string id = JsonField(FileRaw(content, "title=persist"), "id");
  RestartDaemon();  // asserts exit code 0 on SIGTERM
  EXPECT_EQ(Curl({Api("/documents/" + id + "/content")}).out, content);
  EXPECT_EQ(JsonField(Curl({Api("/audit/verify")}).out, "ok"), "true");
}

}  // namespace
}  // namespace archived::testing
