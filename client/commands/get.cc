// archivectl get ID [--version N] [-o FILE|-] [--force]: downloads a version, checking its
// SHA-256 against the server's ETag while it streams; the file appears only when complete.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "archived/crypto/crypto.h"
#include "archived/base/bytes.h"
#include "client/cli.h"
#include "archived/v1/api.pb.h"

namespace archived::client {

int RunGet(const Context& context, const Args& args) {
  if (args.positional.size() != 1) {
    return Fail("get", InvalidArgumentError("usage: archivectl get ID [--version N] [-o FILE|-]"));
  }
  const std::string& id = args.positional[0];
  std::string target = "/api/v1/documents/" + Escape(id) + "/content";
  if (auto v = args.Get("version")) target += "?version=" + Escape(*v);
  HttpClient client = context.NewClient();

  // Where to write: -o FILE, -o - (stdout), or the version's own filename here.
  std::string output = args.Get("output").value_or("");
  if (output.empty()) {
    StatusOr<Response> detail = client.Call("GET", "/api/v1/documents/" + Escape(id) + "/versions");
    StatusOr<v1::VersionList> list = detail.ok() ? ParseBody<v1::VersionList>(*detail) : StatusOr<v1::VersionList>(detail.status());
    if (!list.ok()) return Fail("get " + id, list.status());
    const std::uint32_t wanted = static_cast<std::uint32_t>(std::atoi(args.Get("version").value_or("0").c_str()));
    for (const auto& v : list->versions()) {
      if (wanted == 0 || v.version() == wanted) output = std::filesystem::path(v.filename()).filename().string();
    }
    if (output.empty()) output = id;
  }
  const bool to_stdout = output == "-";
  if (!to_stdout && std::filesystem::exists(output) && !args.Has("force")) {
    return Fail("get " + id, AlreadyExistsError("\"" + output + "\" exists (use --force or -o)"));
  }
  const std::string temp = to_stdout ? "" : output + ".archivectl-part";
  std::FILE* out = to_stdout ? stdout : std::fopen(temp.c_str(), "wb");
  if (out == nullptr) return Fail("get " + id, InvalidArgumentError("cannot write \"" + temp + "\""));
  crypto::Sha256 hash;
  StatusOr<Response> r = client.Download(
      target,
      [&](std::string_view piece) {
        hash.Update(piece);
        return std::fwrite(piece.data(), 1, piece.size(), out) == piece.size();
      },
      to_stdout ? nullptr : ProgressBar(output));
  const bool closed = to_stdout ? std::fflush(stdout) == 0 : std::fclose(out) == 0;
  Status status = r.ok() ? (closed ? OkStatus() : InternalError("write \"" + output + "\" failed")) : r.status();
  if (status.ok()) {
    std::string etag = r->headers["etag"];
    if (etag.size() >= 2) etag = etag.substr(1, etag.size() - 2);
    if (HexEncode(hash.Finish()) != etag) status = DataLossError("downloaded bytes do not match the archived SHA-256");
  }
  if (!status.ok()) {
    if (!to_stdout) std::remove(temp.c_str());
    return Fail("get " + id, status);
  }
  if (!to_stdout) {
    std::filesystem::rename(temp, output);
    if (!context.json) std::fprintf(stderr, "saved %s (version %s)\n", output.c_str(), r->headers["x-archived-version"].c_str());
  }
  return 0;
}

}  // namespace archived::client
