#include "archived/backup/internal/tar.h"

#include <archive.h>
#include <archive_entry.h>

#include <set>
#include <vector>

#include "archived/base/status_macros.h"

namespace archived::backup::internal {
namespace {

constexpr std::size_t kCopyBytes = 1 << 20;

struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// Feeds libarchive the sealed file's plaintext a chunk at a time.
struct ReadSource {
  SealedFileReader* in;
  std::string chunk;
  Status error;
};

la_ssize_t ReadCallback(struct archive* a, void* opaque, const void** buffer) {
  auto* source = static_cast<ReadSource*>(opaque);
  StatusOr<bool> more = source->in->Next(&source->chunk);
  if (!more.ok()) {
    source->error = more.status();
    archive_set_error(a, EIO, "%s", source->error.message().c_str());
    return -1;
  }
  *buffer = source->chunk.data();
  return *more ? static_cast<la_ssize_t>(source->chunk.size()) : 0;
}

}  // namespace

bool IsSafeMemberName(std::string_view name) {
  if (name.empty() || name.size() > 255 || name == "." || name == "..") return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsSafeMemberPath(std::string_view path) {
  if (path.empty() || path.size() > 4096) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    const std::string_view part = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || part == "." || part == ".." || part.size() > 255) return false;
    for (const char c : part) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') return false;
    }
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

TarWriter::~TarWriter() {
  if (archive_ != nullptr) archive_write_free(archive_);
}

long TarWriter::Write(struct archive* a, void* self, const void* buffer, std::size_t bytes) {
  auto* writer = static_cast<TarWriter*>(self);
  const Status s = writer->sink_(std::string_view(static_cast<const char*>(buffer), bytes), writer->compressible_);
  if (!s.ok()) {
    writer->sink_error_ = s;
    archive_set_error(a, EIO, "%s", s.message().c_str());
    return -1;
  }
  return static_cast<long>(bytes);
}

Status TarWriter::Failed(std::string_view what) {
  if (!sink_error_.ok()) return sink_error_;
  return InternalError(std::string(what) + ": " + (archive_ != nullptr ? archive_error_string(archive_) : "?"));
}

StatusOr<std::unique_ptr<TarWriter>> TarWriter::Open(SealedFileWriter* out) {
  return Start(std::unique_ptr<TarWriter>(
      new TarWriter([out](std::string_view bytes, bool compressible) { return out->Append(bytes, compressible); },
                    /*paths=*/false)));
}

StatusOr<std::unique_ptr<TarWriter>> TarWriter::OpenSink(TarSink sink) {
  return Start(std::unique_ptr<TarWriter>(new TarWriter(std::move(sink), /*paths=*/true)));
}

StatusOr<std::unique_ptr<TarWriter>> TarWriter::Start(std::unique_ptr<TarWriter> writer) {
  writer->archive_ = archive_write_new();
  if (writer->archive_ == nullptr) return InternalError("libarchive: out of memory");
  struct archive* a = writer->archive_;
  // pax (restricted: plain ustar headers unless a field needs an extension). No blocking, so
  // each write reaches the sealed file with its own compressibility.
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK || archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
      archive_write_open2(a, writer.get(), nullptr, &TarWriter::Write, nullptr, nullptr) != ARCHIVE_OK) {
    return writer->Failed("cannot start the tar stream");
  }
  return writer;
}

Status TarWriter::Add(std::string_view name, std::uint64_t size, bool compressible,
                      const std::function<StatusOr<std::size_t>(char* buffer, std::size_t capacity)>& read) {
  if (!(paths_ ? IsSafeMemberPath(name) : IsSafeMemberName(name))) {
    return InvalidArgumentError("bad member name \"" + std::string(name) + "\"");
  }
  std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), std::string(name).c_str());
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0600);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
  compressible_ = true;  // headers compress
  if (archive_write_header(archive_, entry.get()) != ARCHIVE_OK) return Failed("cannot write a tar header");
  compressible_ = compressible;
  std::vector<char> buffer(kCopyBytes);
  std::uint64_t done = 0;
  while (true) {
    ARCHIVED_ASSIGN_OR_RETURN(const std::size_t n, read(buffer.data(), buffer.size()));
    if (n == 0) break;
    done += n;
    if (done > size) break;
    if (archive_write_data(archive_, buffer.data(), n) != static_cast<la_ssize_t>(n)) {
      return Failed("cannot write member data");
    }
  }
  if (done != size) {
    return DataLossError("member \"" + std::string(name) + "\" changed size while being written");
  }
  compressible_ = true;
  if (archive_write_finish_entry(archive_) != ARCHIVE_OK) return Failed("cannot finish a tar member");
  return OkStatus();
}

Status TarWriter::Close() {
  compressible_ = true;
  if (archive_write_close(archive_) != ARCHIVE_OK) return Failed("cannot finish the tar stream");
  return OkStatus();
}

Status TarReader::ReadAll(SealedFileReader* in, const std::map<std::string, std::uint64_t>& expected,
                          const Callbacks& callbacks) {
  struct ArchiveFree {
    void operator()(struct archive* a) const { archive_read_free(a); }
  };
  std::unique_ptr<struct archive, ArchiveFree> a(archive_read_new());
  if (a == nullptr) return InternalError("libarchive: out of memory");
  // Only the format we write, and no decompression filter: gzip/xz bombs, zip, rar and iso
  // are refused as unrecognised rather than unpacked.
  archive_read_support_format_tar(a.get());
  ReadSource source{.in = in, .chunk = {}, .error = {}};
  auto refuse = [&](const std::string& why) -> Status {
    if (!source.error.ok()) return source.error;
    return DataLossError("backup archive refused: " + why);
  };
  if (archive_read_open(a.get(), &source, nullptr, &ReadCallback, nullptr) != ARCHIVE_OK) {
    return refuse(std::string("not a tar stream of ours (") + archive_error_string(a.get()) + ")");
  }
  std::set<std::string, std::less<>> seen;
  std::vector<char> buffer(kCopyBytes);
  while (true) {
    archive_entry* entry = nullptr;
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK) return refuse(std::string("bad tar header (") + archive_error_string(a.get()) + ")");
    const char* raw_name = archive_entry_pathname(entry);
    const std::string name = raw_name != nullptr ? raw_name : "";
    if (!IsSafeMemberName(name)) return refuse("unsafe member name \"" + name.substr(0, 200) + "\"");
    if (archive_entry_hardlink(entry) != nullptr || archive_entry_symlink(entry) != nullptr) {
      return refuse("member \"" + name + "\" is a link");
    }
    if (archive_entry_filetype(entry) != AE_IFREG) return refuse("member \"" + name + "\" is not a regular file");
    const auto it = expected.find(name);
    if (it == expected.end()) return refuse("member \"" + name + "\" is not in the manifest");
    if (!seen.insert(name).second) return refuse("member \"" + name + "\" appears twice");
    if (!archive_entry_size_is_set(entry) || archive_entry_size(entry) < 0 ||
        static_cast<std::uint64_t>(archive_entry_size(entry)) != it->second) {
      return refuse("member \"" + name + "\" declares " + std::to_string(archive_entry_size(entry)) +
                    " bytes; the manifest says " + std::to_string(it->second));
    }
    ARCHIVED_RETURN_IF_ERROR(callbacks.begin(name, it->second));
    std::uint64_t done = 0;
    while (true) {
      const la_ssize_t n = archive_read_data(a.get(), buffer.data(), buffer.size());
      if (n < 0) return refuse("member \"" + name + "\" cannot be read (" + archive_error_string(a.get()) + ")");
      if (n == 0) break;
      done += static_cast<std::uint64_t>(n);
      if (done > it->second) return refuse("member \"" + name + "\" is longer than declared");
      ARCHIVED_RETURN_IF_ERROR(callbacks.data(std::string_view(buffer.data(), static_cast<std::size_t>(n))));
    }
    if (done != it->second) return refuse("member \"" + name + "\" is shorter than declared");
    ARCHIVED_RETURN_IF_ERROR(callbacks.end());
  }
  if (!source.error.ok()) return source.error;
  for (const auto& [name, size] : expected) {
    if (!seen.contains(name)) return refuse("member \"" + name + "\" listed in the manifest is missing");
  }
  // The sealed file must end where the tar stream does: read to its authenticated end.
  std::string rest;
  while (true) {
    ARCHIVED_ASSIGN_OR_RETURN(const bool more, in->Next(&rest));
    if (!more) break;
  }
  return OkStatus();
}

}  // namespace archived::backup::internal
