// archivectl put PATH… : files each file (or every file under a directory with --recursive)
// as a new document, several at a time.
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "client/cli.h"
#include "archived/v1/api.pb.h"

namespace archived::client {

std::string GuessMimeType(const std::filesystem::path& path) {
  static const std::map<std::string, std::string> kTypes = {
      {".txt", "text/plain"}, {".md", "text/markdown"}, {".html", "text/html"}, {".htm", "text/html"},
      {".csv", "text/csv"}, {".json", "application/json"}, {".xml", "application/xml"},
      {".pdf", "application/pdf"}, {".eml", "message/rfc822"}, {".zip", "application/zip"},
      {".png", "image/png"}, {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"},
      {".doc", "application/msword"}, {".xls", "application/vnd.ms-excel"},
      {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
      {".odt", "application/vnd.oasis.opendocument.text"}};
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto it = kTypes.find(ext);
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

namespace {

Status CollectFiles(const std::vector<std::string>& paths, bool recursive, std::vector<std::filesystem::path>* out) {
  for (const std::string& p : paths) {
    std::error_code ec;
    const auto status = std::filesystem::status(p, ec);
    if (ec || !std::filesystem::exists(status)) {
      return InvalidArgumentError("\"" + p + "\": no such file or directory");
    }
    if (std::filesystem::is_directory(status)) {
      if (!recursive) return InvalidArgumentError("\"" + p + "\" is a directory (use --recursive)");
      for (auto it = std::filesystem::recursive_directory_iterator(p, ec); !ec && it != decltype(it)(); it.increment(ec)) {
        if (it->is_regular_file()) out->push_back(it->path());
      }
      if (ec) return InvalidArgumentError("\"" + p + "\": " + ec.message());
    } else if (std::filesystem::is_regular_file(status)) {
      out->push_back(p);
    } else {
      return InvalidArgumentError("\"" + p + "\" is not a regular file");
    }
  }
  std::sort(out->begin(), out->end());
  return OkStatus();
}

}  // namespace

int RunPut(const Context& context, const Args& args) {
  if (args.positional.empty()) {
    return Fail("put", InvalidArgumentError("give at least one file (archivectl put FILE… [--category C])"));
  }
  std::vector<std::filesystem::path> files;
  if (Status s = CollectFiles(args.positional, args.Has("recursive"), &files); !s.ok()) return Fail("put", s);
  if (files.size() > 1 && args.Has("title")) {
    return Fail("put", InvalidArgumentError("--title names one document; give one file, or leave titles to the file names"));
  }
  int jobs = 4;
  if (auto j = args.Get("jobs")) {
    jobs = std::atoi(j->c_str());
    if (jobs < 1 || jobs > 64) return Fail("put", InvalidArgumentError("--jobs must be between 1 and 64"));
  }
  std::string common;
  for (const char* name : {"category", "author", "date", "tags", "classification"}) {
    if (auto v = args.Get(name)) common += "&" + std::string(name) + "=" + Escape(*v);
  }
  std::atomic<std::size_t> next{0};
  std::atomic<int> worst{0};
  std::mutex out_mu;
  const auto worker = [&] {
    HttpClient client = context.NewClient();
    for (std::size_t i = next++; i < files.size(); i = next++) {
      const std::filesystem::path& file = files[i];
      const std::string name = file.filename().string();
      std::string target = "/api/v1/documents?filename=" + Escape(name) +
                           "&title=" + Escape(args.Get("title").value_or(file.stem().string())) + common;
      StatusOr<Response> r = client.Upload("POST", target, file.string(), GuessMimeType(file),
                                           files.size() == 1 ? ProgressBar(name) : nullptr);
      StatusOr<v1::FileResponse> filed = r.ok() ? ParseBody<v1::FileResponse>(*r) : StatusOr<v1::FileResponse>(r.status());
      std::lock_guard lock(out_mu);
      if (!filed.ok()) {
        worst = std::max(worst.load(), Fail("put \"" + file.string() + "\"", filed.status()));
        continue;
      }
      if (context.json) {
        std::printf("%s\n", r->body.c_str());
      } else {
        std::printf("filed %s  %s  id %s  v%u  %s  sha256 %.16s…\n", file.string().c_str(),
                    filed->reference_code().c_str(), filed->id().c_str(), filed->version(),
                    HumanBytes(filed->size()).c_str(), filed->sha256().c_str());
      }
      std::fflush(stdout);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < std::min<int>(jobs, static_cast<int>(files.size())); ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  return worst;
}

int RunVersion(const Context& context, const Args& args) {
  if (args.positional.size() != 2) {
    return Fail("version", InvalidArgumentError("usage: archivectl version ID FILE"));
  }
  const std::string& id = args.positional[0];
  const std::filesystem::path file = args.positional[1];
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return Fail("version", InvalidArgumentError("\"" + file.string() + "\" is not a readable file"));
  }
  HttpClient client = context.NewClient();
  StatusOr<Response> r = client.Upload("POST", "/api/v1/documents/" + Escape(id) + "/versions?filename=" +
                                                   Escape(file.filename().string()),
                                       file.string(), GuessMimeType(file), ProgressBar(file.filename().string()));
  StatusOr<v1::FileResponse> filed = r.ok() ? ParseBody<v1::FileResponse>(*r) : StatusOr<v1::FileResponse>(r.status());
  if (!filed.ok()) return Fail("version " + id + " \"" + file.string() + "\"", filed.status());
  if (context.json) {
    std::printf("%s\n", r->body.c_str());
  } else {
    std::printf("filed %s as version %u of %s (%s)  %s\n", file.string().c_str(), filed->version(),
                filed->reference_code().c_str(), filed->id().c_str(), HumanBytes(filed->size()).c_str());
  }
  return 0;
}

}  // namespace archived::client
