// The API's routes: each handler parses its request, hops to the blocking pool for the
// catalogue, and answers JSON or a streamed body. Errors travel as Status to SendError.
#include <charconv>

#include <google/protobuf/util/time_util.h>
#include <optional>
#include <set>

#include "archived/audit/chain.h"
#include "archived/base/log.h"
#include "archived/base/text.h"
#include "archived/http/internal/exchange.h"
#include "archived/http/internal/routes.h"
#include "archived/http/json.h"
#include "archived/http/multipart.h"
#include "archived/http/query.h"
#include "archived/service/guard.h"

namespace archived::http::internal {
namespace {

using catalog::ContentWriter;
using catalog::Filing;

// Metadata of a raw-body upload: query parameters and the Content-Type header.
Status MetadataFromQuery(const Target& target, std::string_view content_type, bool new_document,
                         v1::FileMetadata* metadata) {
  if (new_document) {
    if (Status s = CheckParameters(target, {"title", "category", "author", "date", "tags", "filename", "classification"});
        !s.ok()) {
      return s;
    }
  } else if (Status s = CheckParameters(target, {"filename"}); !s.ok()) {
    return s.Annotate("a new version takes only filename (edit metadata with PATCH)");
  }
  metadata->set_title(target.Get("title").value_or(""));
  metadata->set_category(target.Get("category").value_or(""));
  metadata->set_author(target.Get("author").value_or(""));
  metadata->set_date(target.Get("date").value_or(""));
  metadata->set_filename(target.Get("filename").value_or(""));
  if (const auto level = target.Get("classification")) {
    v1::Classification parsed = v1::CLASSIFICATION_UNSPECIFIED;
    if (!v1::Classification_Parse(AsciiUpper(*level), &parsed) || parsed == v1::CLASSIFICATION_UNSPECIFIED) {
      return InvalidArgumentError("classification: public, internal, confidential or secret");
    }
    metadata->set_classification(parsed);
  }
  for (const std::string& value : target.GetAll("tags")) {
    std::size_t start = 0;
    while (start <= value.size()) {
      const std::size_t comma = value.find(',', start);
      const std::string tag = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!tag.empty()) metadata->add_tags(tag);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  // curl --data-binary labels every body as a form; a filed document is never one.
  const bool curl_default = beast::iequals(content_type, "application/x-www-form-urlencoded");
  metadata->set_mime_type(curl_default ? std::string() : std::string(content_type));
  return OkStatus();
}

// Receives the parts of a multipart upload: "metadata" (JSON FileMetadata) and "file".
class MultipartUpload {
 public:
  MultipartUpload(std::string boundary, ContentWriter* writer, std::size_t max_metadata_bytes)
      : writer_(writer), max_metadata_bytes_(max_metadata_bytes),
        parser_(std::move(boundary), MultipartLimits{},
                {.on_part_begin = [this](const MultipartPart& p) { return Begin(p); },
                 .on_part_data = [this](std::string_view d) { return Data(d); },
                 .on_part_end = [this] { return End(); }}) {}

  Status Feed(std::string_view data) { return parser_.Feed(data); }
  // The metadata, with the file part's name and type where the JSON gave none.
  StatusOr<v1::FileMetadata> Finish() {
    if (Status s = parser_.Finish(); !s.ok()) return s;
    if (!saw_file_) return InvalidArgumentError("file: the multipart body has no \"file\" part");
    if (metadata_.filename().empty()) metadata_.set_filename(file_name_);
    if (metadata_.mime_type().empty()) metadata_.set_mime_type(file_type_);
    return metadata_;
  }

 private:
  enum class Part { kNone, kMetadata, kFile };
  Status Begin(const MultipartPart& part) {
    if (part.name == "metadata" && !saw_metadata_) {
      current_ = Part::kMetadata;
      saw_metadata_ = true;
    } else if (part.name == "file" && !saw_file_) {
      current_ = Part::kFile;
      saw_file_ = true;
      file_name_ = part.filename;
      file_type_ = part.content_type;
    } else {
      return InvalidArgumentError("multipart part \"" + part.name +
                                  "\" is unexpected or repeated (send one \"metadata\" and one \"file\")");
    }
    return OkStatus();
  }
  Status Data(std::string_view data) {
    if (current_ == Part::kFile) return writer_->Append(data);
    metadata_json_.append(data);
    if (metadata_json_.size() > max_metadata_bytes_) {
      return InvalidArgumentError("metadata: part larger than " + std::to_string(max_metadata_bytes_) + " bytes");
    }
    return OkStatus();
  }
  Status End() {
    if (current_ == Part::kMetadata) {
      if (Status s = FromJson(metadata_json_, &metadata_); !s.ok()) return s.Annotate("metadata");
    }
    current_ = Part::kNone;
    return OkStatus();
  }

  ContentWriter* writer_;
  const std::size_t max_metadata_bytes_;
  MultipartParser parser_;
  Part current_ = Part::kNone;
  bool saw_metadata_ = false, saw_file_ = false;
  std::string metadata_json_, file_name_, file_type_;
  v1::FileMetadata metadata_;
};

v1::Version PublicVersion(v1::Version version) {
  version.clear_content();  // where the chunks are is the server's business
  return version;
}

// The blocking steps of one upload, run on the pool: Begin, then Feed for each piece of the
// body, then Complete (which also releases the content, so aborted chunks are deleted there
// and not on the I/O thread).
class UploadJob {
 public:
  // `check` is asked about a new document's metadata before it is filed (where and how
  // classified the caller may file).
  using Check = std::function<Status(const v1::FileMetadata&)>;
  UploadJob(const ApiServices& services, const audit::Actor& actor, std::optional<std::string> document_id,
            v1::FileMetadata metadata, std::optional<std::string> boundary, std::size_t max_metadata_bytes,
            Check check)
      : services_(services), actor_(actor), document_id_(std::move(document_id)), metadata_(std::move(metadata)),
        boundary_(std::move(boundary)), max_metadata_bytes_(max_metadata_bytes), check_(std::move(check)) {}

  Status Begin() {
    StatusOr<std::unique_ptr<ContentWriter>> writer = services_.catalog->BeginContent();
    if (!writer.ok()) return writer.status();
    BeginWith(std::move(writer).value());
    return OkStatus();
  }
  void BeginWith(std::unique_ptr<ContentWriter> writer) {
    writer_ = std::move(writer);
    if (declared_bytes_) writer_->ExpectSize(*declared_bytes_);
    if (boundary_) upload_.emplace(*boundary_, writer_.get(), max_metadata_bytes_);
  }
  // The request's Content-Length, if it has one.
  void set_declared_bytes(std::optional<std::uint64_t> bytes) { declared_bytes_ = bytes; }
  bool new_document() const { return !document_id_; }
  // For a new document whose content is one chunk: validates and seals, with no I/O.
  StatusOr<Filing> Prepare() {
    if (upload_) {
      StatusOr<v1::FileMetadata> parsed = upload_->Finish();
      if (!parsed.ok()) return parsed.status();
      metadata_ = std::move(parsed).value();
    }
    if (Status allowed = check_(metadata_); !allowed.ok()) return allowed;
    return services_.catalog->PrepareFiling(actor_, metadata_, *writer_);
  }
  Status Feed(std::string_view data) { return upload_ ? upload_->Feed(data) : writer_->Append(data); }
  // After a commit of a single-chunk content: nothing is left to delete.
  void Release() {
    if (writer_) writer_->MarkCommitted();
    writer_.reset();
  }
  // Files what was fed if `received` is OK; either way releases the content.
  StatusOr<v1::FileResponse> Complete(const Status& received) {
    StatusOr<v1::FileResponse> filed = Finish(received);
    writer_.reset();  // deletes the chunks unless the version was committed
    return filed;
  }

 private:
  StatusOr<v1::FileResponse> Finish(const Status& received) {
    if (!received.ok()) return received;
    if (upload_) {
      StatusOr<v1::FileMetadata> parsed = upload_->Finish();
      if (!parsed.ok()) return parsed.status();
      metadata_ = std::move(parsed).value();
    }
    if (!document_id_) {
      if (Status allowed = check_(metadata_); !allowed.ok()) return allowed;
    }
    return document_id_ ? services_.catalog->AddVersion(actor_, *document_id_, metadata_, *writer_)
                        : services_.catalog->FileDocument(actor_, metadata_, *writer_);
  }

  const ApiServices& services_;
  const audit::Actor& actor_;
  const std::optional<std::string> document_id_;
  v1::FileMetadata metadata_;
  const std::optional<std::string> boundary_;
  const std::size_t max_metadata_bytes_;
  const Check check_;
  std::optional<std::uint64_t> declared_bytes_;
  std::unique_ptr<ContentWriter> writer_;
  std::optional<MultipartUpload> upload_;
};

// Double buffering: the pool seals and stores piece N while this thread reads piece N+1.
net::awaitable<StatusOr<v1::FileResponse>> StreamUpload(Exchange& ex, UploadJob& job, std::size_t piece_bytes) {
  Status status = co_await RunBlocking(ex.pool(), [&] { return job.Begin(); });
  std::unique_ptr<char[]> pieces[2] = {std::unique_ptr<char[]>(new char[piece_bytes]),
                                       std::unique_ptr<char[]>(new char[piece_bytes])};
  std::optional<Completion<Status>> inflight;
  const auto executor = co_await net::this_coro::executor;
  for (int current = 0; status.ok(); current ^= 1) {
    StatusOr<std::size_t> n = co_await ex.ReadBody(pieces[current].get(), piece_bytes);
    if (inflight) {
      status = co_await inflight->Wait();
      inflight.reset();
    }
    if (status.ok()) status = n.status();
    if (!status.ok() || *n == 0) break;
    const std::string_view data(pieces[current].get(), *n);
    inflight = StartBlocking(ex.pool(), executor, [&job, data] { return job.Feed(data); });
  }
  if (inflight) {
    const Status stored = co_await inflight->Wait();  // never leave a task using our buffers
    if (status.ok()) status = stored;
  }
  co_return co_await RunBlocking(ex.pool(), [&] { return job.Complete(status); });
}

// Files a new single-chunk document on the I/O thread and awaits the group commit.
net::awaitable<StatusOr<v1::FileResponse>> FileHere(const ApiServices& s, UploadJob& job,
                                                     std::string_view body) {
  Status fed = job.Feed(body);
  StatusOr<Filing> prepared = fed.ok() ? job.Prepare() : StatusOr<Filing>(fed);
  if (!prepared.ok()) {
    co_return job.Complete(prepared.status());  // nothing was written: releasing is free
  }
  Completion<Status> committed(co_await net::this_coro::executor);
  const auto filing = std::make_shared<Filing>(std::move(prepared).value());
  s.catalog->SubmitFiling(filing, [committed](const Status& status) { committed.Deliver(status); });
  const Status status = co_await committed.Wait();
  job.Release();
  if (!status.ok()) co_return status;
  co_return catalog::Catalog::FiledResponse(*filing);
}

// Streams the request body into a new content; files a document, or a version of `document_id`.
net::awaitable<void> HandleUpload(Exchange& ex, const ApiServices& s, const Target& target,
                                  const audit::Actor& actor, std::optional<std::string> document_id,
                                  UploadJob::Check check) {
  const std::string content_type(ex.request()[bhttp::field::content_type]);
  const bool multipart = beast::iequals(content_type.substr(0, 10), "multipart/");
  v1::FileMetadata metadata;
  std::optional<std::string> boundary;
  if (multipart) {
    StatusOr<std::string> b = MultipartBoundary(content_type);
    Status checked = b.ok() ? CheckParameters(target, {}) : b.status();
    if (!checked.ok()) {
      co_await ex.SendError(checked.Annotate(b.ok() ? "multipart uploads carry metadata in their \"metadata\" part" : "upload"));
      co_return;
    }
    boundary = *b;
  } else if (Status st = MetadataFromQuery(target, content_type, !document_id, &metadata); !st.ok()) {
    co_await ex.SendError(st);
    co_return;
  } else if (!document_id) {
    // Refused before a byte of content is read.
    if (Status allowed = check(metadata); !allowed.ok()) co_return co_await ex.SendError(allowed);
  }
  UploadJob job(s, actor, std::move(document_id), std::move(metadata), std::move(boundary),
                ex.limits().max_metadata_part_bytes, std::move(check));
  const std::size_t piece_bytes = ex.limits().body_piece_bytes;
  StatusOr<v1::FileResponse> filed = InternalError("upload not filed");
  const std::optional<std::uint64_t> length = ex.content_length();
  job.set_declared_bytes(length);
  if (length && *length <= piece_bytes) {
    // A small body: read it whole first. Thread hand-offs cost more than the work for
    // documents of a few kilobytes, so they are kept to the fewest.
    StatusOr<std::string> body = co_await ex.ReadWholeBody(piece_bytes);
    std::optional<std::unique_ptr<ContentWriter>> writer;
    if (body.ok() && job.new_document() && body->size() <= s.catalog->chunk_bytes()) {
      writer = s.catalog->TryBeginContent();
    }
    if (writer) {
      // One chunk with a key in stock: sealing is CPU work only, done right here, and the
      // commit's completion comes straight back to this thread. No pool thread is involved.
      job.BeginWith(std::move(*writer));
      filed = co_await FileHere(s, job, *body);
    } else {
      filed = co_await RunBlocking(ex.pool(), [&]() -> StatusOr<v1::FileResponse> {
        Status status = body.status();
        if (status.ok()) status = job.Begin();
        if (status.ok()) status = job.Feed(*body);
        return job.Complete(status);
      });
    }
  } else {
    filed = co_await StreamUpload(ex, job, piece_bytes);
  }
  if (!filed.ok()) {
    if (filed.status().code() == StatusCode::kCancelled) {
      ex.ForceClose();  // the client is gone; nobody to answer
      co_return;
    }
    co_await ex.SendError(filed.status());
    co_return;
  }
  co_await ex.SendJson(201, *filed);
}

net::awaitable<void> HandleContent(Exchange& ex, const ApiServices& s, const Target& target,
                                   const audit::Actor& actor, const std::string& id, bool head) {
  if (Status st = CheckParameters(target, {"version"}); !st.ok()) {
    co_await ex.SendError(st);
    co_return;
  }
  std::uint32_t number = 0;
  if (const auto v = target.Get("version")) {
    StatusOr<std::uint64_t> parsed = ParseNumber("version", *v);
    if (!parsed.ok() || *parsed == 0 || *parsed > 0xffffffffu) {
      co_await ex.SendError(InvalidArgumentError("version: a version number from 1"));
      co_return;
    }
    number = static_cast<std::uint32_t>(*parsed);
  }
  StatusOr<v1::Version> version = co_await RunBlocking(ex.pool(), [&] { return s.catalog->GetVersion(id, number); });
  if (!version.ok()) {
    co_await ex.SendError(version.status());
    co_return;
  }
  const std::string etag = "\"" + version->sha256() + "\"";
  const auto if_none_match = ex.request()[bhttp::field::if_none_match];
  if (!if_none_match.empty() && IfNoneMatchMatches(if_none_match, version->sha256())) {
    bhttp::response<bhttp::empty_body> res{bhttp::status::not_modified, 11};
    res.set(bhttp::field::etag, etag);
    co_await ex.SendEmpty(res);
    co_return;
  }
  const std::uint64_t size = version->size();
  ByteRange range{0, size == 0 ? 0 : size - 1};
  const RangeResult range_result = ParseRange(ex.request()[bhttp::field::range], size, &range);
  if (range_result == RangeResult::kUnsatisfiable) {
    bhttp::response<bhttp::empty_body> res{bhttp::status::range_not_satisfiable, 11};
    res.set(bhttp::field::content_range, "bytes */" + std::to_string(size));
    res.set(bhttp::field::content_length, "0");
    co_await ex.SendEmpty(res);
    co_return;
  }
  const bool partial = range_result == RangeResult::kSatisfiable;
  const std::uint64_t length = size == 0 ? 0 : range.last - range.first + 1;
  const auto set_headers = [&](auto& res) {
    res.set(bhttp::field::content_type, version->mime_type());
    res.set(bhttp::field::etag, etag);
    res.set(bhttp::field::accept_ranges, "bytes");
    res.set(bhttp::field::content_disposition, ContentDisposition(version->filename()));
    res.set(bhttp::field::cache_control, "private, no-cache");
    res.set("X-Archived-Version", std::to_string(version->version()));
    if (partial) {
      res.set(bhttp::field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                               std::to_string(range.last) + "/" + std::to_string(size));
    }
  };
  if (head) {
    bhttp::response<bhttp::empty_body> res{partial ? bhttp::status::partial_content : bhttp::status::ok, 11};
    set_headers(res);
    res.set(bhttp::field::content_length, std::to_string(length));
    co_await ex.SendEmpty(res);
    co_return;
  }
  // Every read of content is on the audit trail before a byte of it leaves (a range counts
  // as a read of the version).
  StatusOr<std::unique_ptr<catalog::ContentReader>> reader =
      co_await RunBlocking(ex.pool(), [&]() -> StatusOr<std::unique_ptr<catalog::ContentReader>> {
        StatusOr<std::unique_ptr<catalog::ContentReader>> opened = s.catalog->OpenContent(*version);
        if (!opened.ok()) return opened;
        std::string detail = "version=" + std::to_string(version->version());
        if (partial) detail += " bytes=" + std::to_string(range.first) + "-" + std::to_string(range.last);
        const Status audited = s.committer->Run([&](audit::Transaction& txn) {
          txn.Audit(audit::EventBy(actor, "document.content", version->document_id(), std::move(detail)));
          return OkStatus();
        });
        if (!audited.ok()) return audited;
        return opened;
      });
  if (!reader.ok()) {
    co_await ex.SendError(reader.status());
    co_return;
  }
  const std::uint64_t chunk_bytes = (*reader)->chunk_bytes();
  const std::uint64_t first_chunk = length == 0 ? 0 : range.first / chunk_bytes;
  const std::uint64_t last_chunk = length == 0 ? 0 : range.last / chunk_bytes;
  // The first chunk is read before any header goes out, so that a damaged version still gets
  // a proper error response. Later failures can only cut the connection short. While one
  // chunk is sent, the next is read into the other buffer.
  std::string buffers[2];
  const auto executor = co_await net::this_coro::executor;
  if (length > 0) {
    const Status first = co_await RunBlocking(ex.pool(), [&] { return (*reader)->ReadChunk(first_chunk, &buffers[0]); });
    if (!first.ok()) {
      co_await ex.SendError(first);
      co_return;
    }
  }
  bhttp::response<bhttp::buffer_body> res{partial ? bhttp::status::partial_content : bhttp::status::ok, 11};
  set_headers(res);
  res.content_length(length);
  if (!co_await ex.BeginStream(res)) co_return;
  for (std::uint64_t index = first_chunk; length > 0 && index <= last_chunk; ++index) {
    const std::string& chunk = buffers[(index - first_chunk) % 2];
    std::string* next = &buffers[(index - first_chunk + 1) % 2];
    std::optional<Completion<Status>> prefetch;
    if (index < last_chunk) {
      prefetch = StartBlocking(ex.pool(), executor, [&reader, index, next] { return (*reader)->ReadChunk(index + 1, next); });
    }
    const std::uint64_t chunk_start = index * chunk_bytes;
    const std::uint64_t from = std::max(range.first, chunk_start) - chunk_start;
    const std::uint64_t to = std::min(range.last + 1, chunk_start + chunk.size()) - chunk_start;
    const bool sent = co_await ex.StreamPiece(std::string_view(chunk).substr(from, to - from));
    if (prefetch) {
      const Status read = co_await prefetch->Wait();
      if (sent && !read.ok()) {
        LogLine("request " + ex.request_id() + ": download cut short: " + read.ToString());
        ex.ForceClose();
        co_return;
      }
    }
    if (!sent) co_return;
  }
  co_await ex.EndStream();
}

net::awaitable<void> HandleList(Exchange& ex, const ApiServices& s, const Target& target,
                                const auth::Principal& principal) {
  if (Status st = CheckParameters(target, {"category", "limit", "cursor"}); !st.ok()) {
    co_await ex.SendError(st);
    co_return;
  }
  std::size_t limit = 0;
  if (const auto l = target.Get("limit")) {
    StatusOr<std::uint64_t> parsed = ParseNumber("limit", *l);
    if (!parsed.ok() || *parsed == 0) {
      co_await ex.SendError(InvalidArgumentError("limit: a whole number from 1"));
      co_return;
    }
    limit = static_cast<std::size_t>(std::min<std::uint64_t>(*parsed, 1u << 30));
  }
  StatusOr<v1::DocumentList> list = co_await RunBlocking(ex.pool(), [&]() -> StatusOr<v1::DocumentList> {
    StatusOr<std::function<bool(const v1::Document&)>> visible = s.guard->VisibleFilter(principal);
    if (!visible.ok()) return visible.status();
    return s.catalog->ListDocuments(target.Get("category").value_or(""), limit, target.Get("cursor").value_or(""),
                                    *visible);
  });
  if (!list.ok()) {
    co_await ex.SendError(list.status());
    co_return;
  }
  co_await ex.SendJson(200, *list);
}

net::awaitable<void> HandleDocument(Exchange& ex, const ApiServices& s, const auth::Principal& principal,
                                    const audit::Actor& actor, const std::string& id) {
  if (ex.request().method() == bhttp::verb::get) {
    StatusOr<v1::DocumentDetail> detail = co_await RunBlocking(ex.pool(), [&]() -> StatusOr<v1::DocumentDetail> {
      StatusOr<v1::Document> doc = s.catalog->GetDocument(id);
      if (!doc.ok()) return doc.status();
      StatusOr<std::vector<v1::Version>> versions = s.catalog->ListVersions(doc->id());
      if (!versions.ok()) return versions.status();
      v1::DocumentDetail out;
      *out.mutable_document() = std::move(*doc);
      for (v1::Version& v : *versions) *out.add_versions() = PublicVersion(std::move(v));
      return out;
    });
    if (!detail.ok()) {
      co_await ex.SendError(detail.status());
      co_return;
    }
    co_await ex.SendJson(200, *detail);
    co_return;
  }
  StatusOr<std::string> body = co_await ex.ReadWholeBody(ex.limits().max_json_body_bytes);
  if (!body.ok()) {
    co_await ex.SendError(body.status());
    co_return;
  }
  v1::DocumentPatch patch;
  StatusOr<std::set<std::string>> keys = TopLevelKeys(*body);
  Status parsed = keys.ok() ? FromJson(*body, &patch) : keys.status();
  if (!parsed.ok()) {
    co_await ex.SendError(parsed);
    co_return;
  }
  StatusOr<v1::Document> updated = co_await RunBlocking(ex.pool(), [&]() -> StatusOr<v1::Document> {
    if (Status allowed = s.guard->CheckUpdate(principal, actor, id, patch); !allowed.ok()) return allowed;
    return s.catalog->UpdateDocument(actor, id, patch, keys->count("tags") > 0);
  });
  if (!updated.ok()) {
    co_await ex.SendError(updated.status());
    co_return;
  }
  co_await ex.SendJson(200, *updated);
}

net::awaitable<void> HandleSearch(Exchange& ex, const ApiServices& s, const Target& target,
                                  const auth::Principal& principal) {
  if (Status st = CheckParameters(target, {"q", "category", "from", "to", "type", "sort", "limit", "offset", "facets"}); !st.ok()) {
    co_return co_await ex.SendError(st);
  }
  index::SearchRequest request{.query = target.Get("q").value_or(""),
                               .category = target.Get("category").value_or(""),
                               .type = target.Get("type").value_or(""),
                               .from = target.Get("from").value_or(""),
                               .to = target.Get("to").value_or("")};
  const std::string sort = target.Get("sort").value_or("relevance");
  if (sort != "relevance" && sort != "date") {
    co_return co_await ex.SendError(InvalidArgumentError("sort: \"relevance\" or \"date\""));
  }
  request.sort_by_date = sort == "date";
  const std::string facets = target.Get("facets").value_or("true");
  if (facets != "true" && facets != "false") {
    co_return co_await ex.SendError(InvalidArgumentError("facets: \"true\" or \"false\""));
  }
  request.facets = facets == "true";
  for (const auto& [name, field] : {std::pair{"limit", &request.limit}, std::pair{"offset", &request.offset}}) {
    if (const auto text = target.Get(name)) {
      StatusOr<std::uint64_t> parsed = ParseNumber(name, *text);
      if (!parsed.ok()) co_return co_await ex.SendError(parsed.status());
      *field = static_cast<std::size_t>(std::min<std::uint64_t>(*parsed, 1u << 30));
    }
  }
  StatusOr<v1::SearchResponse> result = co_await RunBlocking(ex.search_pool(), [&]() -> StatusOr<v1::SearchResponse> {
    // Access is a filter inside the query: counts, facets and pages hold only what may be seen.
    StatusOr<service::SearchScope> allowed = s.guard->SearchScopeFor(principal);
    if (!allowed.ok()) return allowed.status();
    const service::SearchScope& scope = *allowed;
    request.access.all_categories = scope.all_categories;
    request.access.categories = scope.categories;
    request.access.all_classifications = scope.classifications.size() == 4;
    request.access.classifications = scope.classifications;
    return s.indexer->Search(request);
  });
  if (!result.ok()) co_return co_await ex.SendError(result.status());
  co_await ex.SendJson(200, *result);
}

net::awaitable<void> HandleHealth(Exchange& ex, const ApiServices& s) {
  v1::Health health;
  const bool writes = s.committer->healthy();
  const bool healthy = writes && s.audit_problem.empty();
  health.set_status(healthy ? "ok" : "degraded");
  health.set_version(s.version);
  if (!writes) health.set_detail("writes are stopped after a failed write; restart the daemon");
  if (!s.audit_problem.empty()) health.set_detail(s.audit_problem);
  co_await ex.SendJson(healthy ? 200 : 503, health);
}

net::awaitable<void> HandleMetrics(Exchange& ex, const ApiServices& s) {
  const audit::CommitterStats stats = s.committer->stats();
  std::string text;
  const auto metric = [&](const char* name, const char* type, const char* help, std::uint64_t value) {
    text += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name +
            " " + std::to_string(value) + "\n";
  };
  metric("archived_commit_transactions_total", "counter", "Transactions made durable.", stats.transactions);
  metric("archived_commit_groups_total", "counter", "Group commits (one fsync each).", stats.groups);
  metric("archived_commit_failed_transactions_total", "counter", "Transactions refused or failed.",
         stats.failed_transactions);
  metric("archived_audit_events", "gauge", "Events in the audit chain.", s.committer->head().seq);
  metric("archived_writes_healthy", "gauge", "1 while writes are accepted.", s.committer->healthy() ? 1 : 0);
  const indexer::IndexerStats index = s.indexer->stats();
  const StatusOr<std::uint64_t> pending = s.indexer->Pending();
  metric("archived_index_pending_entries", "gauge", "Index-queue entries not yet searchable.",
         pending.ok() ? *pending : 0);
  text += "# HELP archived_index_lag_seconds Commit to searchable, oldest entry of the last index batch.\n"
          "# TYPE archived_index_lag_seconds gauge\narchived_index_lag_seconds " +
          std::to_string(index.last_lag_seconds) + "\n";
  metric("archived_index_documents", "gauge", "Documents in the search index.", index.documents_in_index);
  metric("archived_index_documents_indexed_total", "counter", "Documents (re)indexed since start.",
         index.documents_indexed);
  metric("archived_index_extraction_failures_total", "counter", "Documents whose text could not be extracted.",
         index.extraction_failures);
  metric("archived_index_errors_total", "counter", "Documents the indexer could not read.", index.errors);
  metric("archived_index_rebuilding", "gauge", "1 while the index is being rebuilt.", index.rebuilding ? 1 : 0);
  if (s.backups != nullptr) {
    const service::BackupCounters backups = s.backups->counters();
    metric("archived_backups_succeeded_total", "counter", "Backup runs that succeeded since start.", backups.succeeded);
    metric("archived_backups_failed_total", "counter", "Backup runs that failed since start.", backups.failed);
    metric("archived_backup_last_success_seconds", "gauge", "When the last backup run succeeded (Unix time; 0: none since start).",
           static_cast<std::uint64_t>(std::max<std::int64_t>(0, ToUnixMicros(backups.last_success) / 1'000'000)));
  }
  co_await ex.SendText(200, "text/plain; version=0.0.4", std::move(text));
}

// An administrator's background job (scrub, key rotation): POST starts it (202 with its
// report; starting may write files and the audit trail, so it runs on the pool), GET shows
// the running or last one (404 with `none` before the first).
template <typename StartFn, typename LatestFn>
net::awaitable<void> HandleJob(Exchange& ex, bool start, StartFn start_fn, LatestFn latest_fn, std::string_view none) {
  if (start) {
    auto started = co_await RunBlocking(ex.pool(), std::move(start_fn));
    if (!started.ok()) co_return co_await ex.SendError(started.status());
    co_return co_await ex.SendJson(202, *started);
  }
  const auto latest = latest_fn();
  if (!latest) co_return co_await ex.SendError(NotFoundError(none));
  co_await ex.SendJson(200, *latest);
}

// /api/v1/admin/backups: GET lists, POST starts a run; …/latest shows the running or last
// run; POST …/verify?id=&read_data= verifies; POST …/forget?dry_run= applies the keep
// policies.
net::awaitable<void> HandleBackups(Exchange& ex, const ApiServices& s, const Target& target,
                                   const std::vector<std::string>& parts, const auth::Principal& principal,
                                   audit::Actor& actor) {
  using auth::Operation;
  const bhttp::verb method = ex.request().method();
  const std::string sub = parts.size() == 5 ? parts[4] : "";
  const auto permit = [&](Operation operation) { return Permit(ex, s, principal, operation, "", &actor); };
  if (sub.empty()) {
    if (method != bhttp::verb::get && method != bhttp::verb::post) co_return co_await SendMethodNotAllowed(ex, "GET, POST");
    if (!co_await permit(method == bhttp::verb::post ? Operation::kBackup : Operation::kListBackups)) co_return;
    if (method == bhttp::verb::post) {
      co_return co_await HandleJob(ex, true, [&] { return s.backups->Start(actor); },
                                   [&] { return s.backups->Latest(); }, "");
    }
    StatusOr<v1::BackupList> list = co_await RunBlocking(ex.pool(), [&] { return s.backups->List(); });
    if (!list.ok()) co_return co_await ex.SendError(list.status());
    co_return co_await ex.SendJson(200, *list);
  }
  if (sub == "latest") {
    if (method != bhttp::verb::get) co_return co_await SendMethodNotAllowed(ex, "GET");
    if (!co_await permit(Operation::kListBackups)) co_return;
    co_return co_await HandleJob(ex, false, [&] { return s.backups->Start(actor); }, [&] { return s.backups->Latest(); },
                                 "no backup has run since the daemon started");
  }
  if (sub == "verify" || sub == "forget") {
    if (method != bhttp::verb::post) co_return co_await SendMethodNotAllowed(ex, "POST");
    if (!co_await permit(sub == "verify" ? Operation::kVerifyBackup : Operation::kForgetBackups)) co_return;
    if (Status st = CheckParameters(target, sub == "verify" ? std::initializer_list<std::string_view>{"id", "read_data"}
                                                            : std::initializer_list<std::string_view>{"dry_run"});
        !st.ok()) {
      co_return co_await ex.SendError(st);
    }
    StatusOr<bool> flag = FlagParameter(target, sub == "verify" ? "read_data" : "dry_run");
    if (!flag.ok()) co_return co_await ex.SendError(flag.status());
    if (sub == "verify") {
      const std::string id = target.Get("id").value_or("");
      StatusOr<v1::BackupReport> report =
          co_await RunBlocking(ex.pool(), [&] { return s.backups->Verify(actor, id, *flag); });
      if (!report.ok()) co_return co_await ex.SendError(report.status());
      co_return co_await ex.SendJson(200, *report);
    }
    StatusOr<v1::BackupForgetReport> report = co_await RunBlocking(ex.pool(), [&] { return s.backups->Forget(actor, *flag); });
    if (!report.ok()) co_return co_await ex.SendError(report.status());
    co_return co_await ex.SendJson(200, *report);
  }
  co_await ex.SendError(NotFoundError("no such route: " + target.path));
}

// POST /api/v1/login: the only API call without a token.
net::awaitable<void> HandleLogin(Exchange& ex, const ApiServices& s) {
  if (ex.request().method() != bhttp::verb::post) co_return co_await SendMethodNotAllowed(ex, "POST");
  v1::LoginRequest request;
  StatusOr<std::set<std::string>> keys = co_await ReadJson(ex, &request);
  if (!keys.ok()) co_return co_await ex.SendError(keys.status());
  const audit::Actor actor{.name = request.user(), .request_id = ex.request_id(), .remote_address = ex.remote_address()};
  StatusOr<v1::NewToken> token = co_await RunBlocking(ex.pool(), [&] { return s.authenticator->Login(request, actor); });
  if (!token.ok()) co_return co_await ex.SendError(token.status());
  co_await ex.SendJson(201, *token);
}

net::awaitable<void> HandleUsers(Exchange& ex, const ApiServices& s, const std::vector<std::string>& parts,
                                 const auth::Principal& principal, audit::Actor& actor) {
  const bhttp::verb method = ex.request().method();
  const std::string name = parts.size() == 4 ? parts[3] : "";
  if (!co_await Permit(ex, s, principal, auth::Operation::kManageUsers, name, &actor)) co_return;
  if (parts.size() == 3) {
    if (method == bhttp::verb::get) {
      v1::UserList list;
      for (v1::UserView& u : s.authenticator->ListUsers()) *list.add_users() = std::move(u);
      co_return co_await ex.SendJson(200, list);
    }
    if (method != bhttp::verb::post) co_return co_await SendMethodNotAllowed(ex, "GET, POST");
    v1::UserChange change;
    StatusOr<std::set<std::string>> keys = co_await ReadJson(ex, &change);
    if (!keys.ok()) co_return co_await ex.SendError(keys.status());
    StatusOr<v1::UserView> user = co_await RunBlocking(ex.pool(), [&] { return s.authenticator->CreateUser(change, actor); });
    if (!user.ok()) co_return co_await ex.SendError(user.status());
    co_return co_await ex.SendJson(201, *user);
  }
  if (method == bhttp::verb::get) {
    StatusOr<v1::UserView> user = s.authenticator->GetUser(name);
    if (!user.ok()) co_return co_await ex.SendError(user.status());
    co_return co_await ex.SendJson(200, *user);
  }
  if (method != bhttp::verb::patch) co_return co_await SendMethodNotAllowed(ex, "GET, PATCH");
  v1::UserChange change;
  StatusOr<std::set<std::string>> keys = co_await ReadJson(ex, &change);
  if (!keys.ok()) co_return co_await ex.SendError(keys.status());
  keys->erase("name");
  StatusOr<v1::UserView> user =
      co_await RunBlocking(ex.pool(), [&] { return s.authenticator->UpdateUser(name, change, *keys, actor); });
  if (!user.ok()) co_return co_await ex.SendError(user.status());
  co_await ex.SendJson(200, *user);
}

net::awaitable<void> HandleTokens(Exchange& ex, const ApiServices& s, const Target& target,
                                  const std::vector<std::string>& parts, const auth::Principal& principal,
                                  audit::Actor& actor) {
  const bhttp::verb method = ex.request().method();
  if (parts.size() == 3) {
    if (method == bhttp::verb::get) {
      if (Status st = CheckParameters(target, {"user"}); !st.ok()) co_return co_await ex.SendError(st);
      // Another user's tokens, or everyone's ("user=" empty with the parameter): admin only.
      const std::optional<std::string> user = target.Get("user");
      const bool own = !user || *user == principal.name;
      if (!co_await Permit(ex, s, principal, own ? auth::Operation::kManageOwnTokens : auth::Operation::kManageAllTokens,
                           user.value_or(""), &actor)) {
        co_return;
      }
      v1::TokenList list;
      for (v1::ApiToken& t : s.authenticator->ListTokens(own ? principal.name : *user)) *list.add_tokens() = std::move(t);
      co_return co_await ex.SendJson(200, list);
    }
    if (method != bhttp::verb::post) co_return co_await SendMethodNotAllowed(ex, "GET, POST");
    v1::CreateTokenRequest request;
    StatusOr<std::set<std::string>> keys = co_await ReadJson(ex, &request);
    if (!keys.ok()) co_return co_await ex.SendError(keys.status());
    const bool own = request.user().empty() || request.user() == principal.name;
    if (!co_await Permit(ex, s, principal, own ? auth::Operation::kManageOwnTokens : auth::Operation::kManageAllTokens,
                         request.user(), &actor)) {
      co_return;
    }
    StatusOr<v1::NewToken> token =
        co_await RunBlocking(ex.pool(), [&] { return s.authenticator->CreateToken(principal, request, actor); });
    if (!token.ok()) co_return co_await ex.SendError(token.status());
    co_return co_await ex.SendJson(201, *token);
  }
  const std::string& id = parts[3];
  StatusOr<v1::ApiToken> token = s.authenticator->GetToken(id);
  // Someone else's token is not found, unless the caller may manage everyone's.
  const bool own = token.ok() && token->principal() == principal.name;
  if (!co_await Permit(ex, s, principal, own ? auth::Operation::kManageOwnTokens : auth::Operation::kManageAllTokens, id,
                       &actor)) {
    co_return;
  }
  if (!token.ok()) co_return co_await ex.SendError(token.status());
  if (method == bhttp::verb::get) co_return co_await ex.SendJson(200, *token);
  if (method != bhttp::verb::delete_) co_return co_await SendMethodNotAllowed(ex, "GET, DELETE");
  StatusOr<v1::ApiToken> revoked = co_await RunBlocking(ex.pool(), [&] { return s.authenticator->RevokeToken(id, actor); });
  if (!revoked.ok()) co_return co_await ex.SendError(revoked.status());
  co_await ex.SendJson(200, *revoked);
}

net::awaitable<void> HandleWhoAmI(Exchange& ex, const ApiServices& s, const auth::Principal& principal,
                                  audit::Actor& actor) {
  if (ex.request().method() != bhttp::verb::get) co_return co_await SendMethodNotAllowed(ex, "GET");
  if (!co_await Permit(ex, s, principal, auth::Operation::kManageOwnTokens, "", &actor)) co_return;
  v1::WhoAmI out;
  if (StatusOr<v1::UserView> user = s.authenticator->GetUser(principal.name); user.ok()) *out.mutable_user() = *user;
  out.set_token_id(principal.token_id);
  out.set_scope(principal.scope);
  if (StatusOr<v1::ApiToken> token = s.authenticator->GetToken(principal.token_id);
      token.ok() && token->has_expire_time()) {
    *out.mutable_expire_time() = token->expire_time();
  }
  co_await ex.SendJson(200, out);
}

// What a new document's metadata must satisfy: the caller may file in its category (the
// default one when none is given) and is cleared to its classification (INTERNAL when none).
UploadJob::Check FilingCheck(const ApiServices& s, const auth::Principal& principal, const audit::Actor& actor) {
  return [&s, principal, actor](const v1::FileMetadata& m) { return s.guard->CheckFiling(principal, actor, m); };
}

// GET /api/v1/audit/events: events in order from `from_seq` (default 1), at most `limit`
// (default 100, at most 1,000) that match every filter given; `next_cursor` resumes. A page
// examines at most 100,000 events, so a narrow filter over a long trail may return fewer
// than `limit` with a cursor to go on.
net::awaitable<void> HandleAuditEvents(Exchange& ex, const ApiServices& s, const Target& target) {
  if (Status st = CheckParameters(target, {"from_seq", "limit", "actor", "action", "object", "since", "until"});
      !st.ok()) {
    co_return co_await ex.SendError(st);
  }
  std::uint64_t from = 1, limit = 100;
  for (const auto& [name, field] : {std::pair{"from_seq", &from}, std::pair{"limit", &limit}}) {
    if (const auto text = target.Get(name)) {
      StatusOr<std::uint64_t> parsed = ParseNumber(name, *text);
      if (!parsed.ok()) co_return co_await ex.SendError(parsed.status());
      *field = *parsed;
    }
  }
  if (limit == 0 || limit > 1000) co_return co_await ex.SendError(InvalidArgumentError("limit: from 1 to 1000"));
  // since/until: RFC 3339 times or YYYY-MM-DD dates (UTC), compared as text of the same form.
  const std::string since = target.Get("since").value_or(""), until = target.Get("until").value_or("");
  for (const std::string* t : {&since, &until}) {
    if (!t->empty() && (t->size() < 10 || (*t)[4] != '-' || (*t)[7] != '-')) {
      co_return co_await ex.SendError(InvalidArgumentError("since/until: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"));
    }
  }
  const std::string actor = target.Get("actor").value_or(""), action = target.Get("action").value_or(""),
                    object = target.Get("object").value_or("");
  StatusOr<v1::AuditEventList> list = co_await RunBlocking(ex.pool(), [&]() -> StatusOr<v1::AuditEventList> {
    constexpr std::size_t kScanPerPage = 100000, kBatch = 4096;
    v1::AuditEventList out;
    std::uint64_t next = std::max<std::uint64_t>(from, 1);
    std::size_t scanned = 0;
    while (scanned < kScanPerPage && static_cast<std::uint64_t>(out.events_size()) < limit) {
      StatusOr<std::vector<v1::AuditEvent>> batch = audit::ReadEvents(*s.store, next, kBatch);
      if (!batch.ok()) return batch.status();
      if (batch->empty()) return out;  // the end of the trail: no cursor
      for (v1::AuditEvent& e : *batch) {
        ++scanned;
        next = e.seq() + 1;
        const std::string time = google::protobuf::util::TimeUtil::ToString(e.time());
        const bool match = (actor.empty() || e.actor() == actor) && (object.empty() || e.object_id() == object) &&
                           (action.empty() || e.action() == action || e.action().starts_with(action + ".")) &&
                           (since.empty() || time >= since) && (until.empty() || time.substr(0, until.size()) <= until);
        if (match) *out.add_events() = std::move(e);
        if (static_cast<std::uint64_t>(out.events_size()) == limit || scanned == kScanPerPage) break;
      }
    }
    out.set_next_cursor(std::to_string(next));
    return out;
  });
  if (!list.ok()) co_return co_await ex.SendError(list.status());
  co_await ex.SendJson(200, *list);
}

net::awaitable<void> Dispatch(Exchange& ex, const ApiServices& s, const Target& target,
                              const auth::Principal& principal, audit::Actor& actor) {
  using auth::Operation;
  const std::vector<std::string> parts = Split(target.path);  // "api", "v1", …
  const bhttp::verb method = ex.request().method();
  const std::size_t n = parts.size();
  const auto permit = [&](Operation operation, std::string_view object) {
    return Permit(ex, s, principal, operation, object, &actor);
  };
  if (co_await DispatchRetention(ex, s, target, parts, principal, actor)) co_return;
  if (co_await DispatchRegisters(ex, s, target, parts, principal, actor)) co_return;
  if (n >= 3 && parts[2] == "documents") {
    if (n == 3) {
      if (method == bhttp::verb::post) {
        if (!co_await permit(Operation::kFileDocument, "")) co_return;
        co_return co_await HandleUpload(ex, s, target, actor, std::nullopt, FilingCheck(s, principal, actor));
      }
      if (method == bhttp::verb::get) {
        if (!co_await permit(Operation::kListDocuments, "")) co_return;
        co_return co_await HandleList(ex, s, target, principal);
      }
      co_return co_await SendMethodNotAllowed(ex, "GET, POST");
    }
    const std::string& id = parts[3];
    if (n == 4) {
      if (method == bhttp::verb::get || method == bhttp::verb::patch) {
        const Operation operation = method == bhttp::verb::get ? Operation::kReadDocument : Operation::kUpdateDocument;
        if (!co_await permit(operation, id)) co_return;
        if (!co_await PermitDocument(ex, s, principal, actor, operation, id, operation == Operation::kUpdateDocument)) {
          co_return;
        }
        co_return co_await HandleDocument(ex, s, principal, actor, id);
      }
      co_return co_await SendMethodNotAllowed(ex, "GET, PATCH");
    }
    if (n == 5 && parts[4] == "versions") {
      if (method == bhttp::verb::post) {
        if (!co_await permit(Operation::kAddVersion, id)) co_return;
        if (!co_await PermitDocument(ex, s, principal, actor, Operation::kAddVersion, id, true)) co_return;
        co_return co_await HandleUpload(ex, s, target, actor, id, FilingCheck(s, principal, actor));
      }
      if (method == bhttp::verb::get) {
        if (!co_await permit(Operation::kReadDocument, id)) co_return;
        if (!co_await PermitDocument(ex, s, principal, actor, Operation::kReadDocument, id, false)) co_return;
        StatusOr<std::vector<v1::Version>> versions = co_await RunBlocking(ex.pool(), [&] { return s.catalog->ListVersions(id); });
        if (!versions.ok()) co_return co_await ex.SendError(versions.status());
        v1::VersionList list;
        list.set_document_id(versions->empty() ? id : versions->front().document_id());
        for (v1::Version& v : *versions) *list.add_versions() = PublicVersion(std::move(v));
        co_return co_await ex.SendJson(200, list);
      }
      co_return co_await SendMethodNotAllowed(ex, "GET, POST");
    }
    if (n == 5 && parts[4] == "content") {
      if (method == bhttp::verb::get || method == bhttp::verb::head) {
        if (!co_await permit(Operation::kReadContent, id)) co_return;
        if (!co_await PermitDocument(ex, s, principal, actor, Operation::kReadContent, id, false)) co_return;
        co_return co_await HandleContent(ex, s, target, actor, id, method == bhttp::verb::head);
      }
      co_return co_await SendMethodNotAllowed(ex, "GET, HEAD");
    }
  } else if (n >= 4 && parts[2] == "categories") {
    // The code's own '/' are path segments: /categories/BGS/HR.
    std::string code = parts[3];
    for (std::size_t i = 4; i < n; ++i) code += "/" + parts[i];
    if (method != bhttp::verb::patch) co_return co_await SendMethodNotAllowed(ex, "PATCH");
    if (!co_await permit(Operation::kSetCategoryAccess, code)) co_return;
    v1::CategoryAccess access;
    StatusOr<std::set<std::string>> keys = co_await ReadJson(ex, &access);
    if (!keys.ok()) co_return co_await ex.SendError(keys.status());
    for (const std::string& key : *keys) {
      if (key != "readers" && key != "filers") {
        co_return co_await ex.SendError(InvalidArgumentError(key + ": only readers and filers can be changed here"));
      }
    }
    const Status set = co_await RunBlocking(ex.pool(), [&] {
      return s.catalog->SetCategoryAccess(actor, code, access, keys->contains("readers"), keys->contains("filers"));
    });
    if (!set.ok()) co_return co_await ex.SendError(set);
    StatusOr<v1::CategoryList> list = co_await RunBlocking(ex.pool(), [&] { return s.catalog->ListCategories(); });
    if (!list.ok()) co_return co_await ex.SendError(list.status());
    for (const v1::Category& c : list->categories()) {
      if (c.code() == code) co_return co_await ex.SendJson(200, Described(c));
    }
    co_return co_await ex.SendError(NotFoundError("category " + code));
  } else if (n == 3 && parts[2] == "categories") {
    if (method != bhttp::verb::get) co_return co_await SendMethodNotAllowed(ex, "GET");
    if (!co_await permit(Operation::kListCategories, "")) co_return;
    StatusOr<v1::CategoryList> list = co_await RunBlocking(ex.pool(), [&] { return s.catalog->ListCategories(); });
    if (!list.ok()) co_return co_await ex.SendError(list.status());
    for (v1::Category& c : *list->mutable_categories()) c = Described(std::move(c));
    co_return co_await ex.SendJson(200, *list);
  } else if (n == 3 && parts[2] == "search") {
    if (method != bhttp::verb::get) co_return co_await SendMethodNotAllowed(ex, "GET");
    if (!co_await permit(Operation::kSearch, "")) co_return;
    co_return co_await HandleSearch(ex, s, target, principal);
  } else if (n == 4 && parts[2] == "admin" && parts[3] == "scrub") {
    if (method != bhttp::verb::get && method != bhttp::verb::post) co_return co_await SendMethodNotAllowed(ex, "GET, POST");
    if (!co_await permit(Operation::kScrub, "")) co_return;
    co_return co_await HandleJob(ex, method == bhttp::verb::post, [&] { return s.scrubber->Start(actor); },
                                 [&] { return s.scrubber->Latest(); }, "no scrub has run since the daemon started");
  } else if ((n == 4 || n == 5) && parts[2] == "admin" && parts[3] == "backups") {
    co_return co_await HandleBackups(ex, s, target, parts, principal, actor);
  } else if (n == 4 && parts[2] == "admin" && parts[3] == "rotate-master-key") {
    if (method != bhttp::verb::get && method != bhttp::verb::post) co_return co_await SendMethodNotAllowed(ex, "GET, POST");
    if (!co_await permit(Operation::kRotateMasterKey, "")) co_return;
    co_return co_await HandleJob(ex, method == bhttp::verb::post, [&] { return s.key_rotator->Start(actor); },
                                 [&] { return s.key_rotator->Latest(); }, "no master-key rotation since the daemon started");
  } else if (n == 4 && parts[2] == "audit" && parts[3] == "checkpoint") {
    if (method != bhttp::verb::get) co_return co_await SendMethodNotAllowed(ex, "GET");
    if (!co_await permit(Operation::kVerifyAudit, "")) co_return;
    const std::optional<v1::AuditCheckpoint> latest = s.latest_checkpoint ? s.latest_checkpoint() : std::nullopt;
    if (!latest) co_return co_await ex.SendError(NotFoundError("no audit checkpoint: the chain failed verification at start"));
    co_return co_await ex.SendJson(200, *latest);
  } else if (n == 4 && parts[2] == "audit" && parts[3] == "events") {
    if (method != bhttp::verb::get) co_return co_await SendMethodNotAllowed(ex, "GET");
    if (!co_await permit(Operation::kReadAudit, "")) co_return;
    co_return co_await HandleAuditEvents(ex, s, target);
  } else if (n == 4 && parts[2] == "audit" && parts[3] == "verify") {
    if (method != bhttp::verb::get) co_return co_await SendMethodNotAllowed(ex, "GET");
    if (!co_await permit(Operation::kVerifyAudit, "")) co_return;
    if (Status st = CheckParameters(target, {"at_seq"}); !st.ok()) co_return co_await ex.SendError(st);
    std::uint64_t at_seq = 0;
    if (const auto a = target.Get("at_seq")) {
      StatusOr<std::uint64_t> parsed = ParseNumber("at_seq", *a);
      if (!parsed.ok()) co_return co_await ex.SendError(parsed.status());
      at_seq = *parsed;
    }
    StatusOr<v1::AuditVerification> result =
        co_await RunBlocking(ex.pool(), [&] { return audit::VerifyChain(*s.store, at_seq); });
    if (!result.ok()) co_return co_await ex.SendError(result.status());
    co_return co_await ex.SendJson(200, *result);
  } else if ((n == 3 || n == 4) && parts[2] == "users") {
    co_return co_await HandleUsers(ex, s, parts, principal, actor);
  } else if ((n == 3 || n == 4) && parts[2] == "tokens") {
    co_return co_await HandleTokens(ex, s, target, parts, principal, actor);
  } else if (n == 3 && parts[2] == "whoami") {
    co_return co_await HandleWhoAmI(ex, s, principal, actor);
  }
  co_await ex.SendError(NotFoundError("no such API route: " + target.path));
}

}  // namespace

net::awaitable<void> ServeApi(Exchange& ex, const ApiServices& s) {
  const std::string_view raw_target(ex.request().target().data(), ex.request().target().size());
  if (raw_target.size() > ex.limits().max_query_bytes) {
    co_return co_await ex.SendError(InvalidArgumentError("request target longer than " +
                                                         std::to_string(ex.limits().max_query_bytes) + " bytes"));
  }
  StatusOr<Target> target = ParseTarget(raw_target);
  if (!target.ok()) co_return co_await ex.SendError(target.status());
  if (target->path == "/healthz") co_return co_await HandleHealth(ex, s);
  if (target->path == "/metrics") co_return co_await HandleMetrics(ex, s);
  if (!target->path.starts_with("/api/v1/")) {
    co_return co_await ex.SendError(NotFoundError("no such route: " + target->path));
  }
  if (target->path == "/api/v1/login") co_return co_await HandleLogin(ex, s);
  // In memory, no I/O: checked right here on the I/O thread.
  StatusOr<auth::Principal> principal = s.authenticator->Authenticate(
      std::string_view(ex.request()[bhttp::field::authorization]));
  if (!principal.ok()) co_return co_await ex.SendError(principal.status());
  audit::Actor actor{.name = principal->name, .request_id = ex.request_id(), .remote_address = ex.remote_address()};
  co_await Dispatch(ex, s, *target, *principal, actor);
}

}  // namespace archived::http::internal
