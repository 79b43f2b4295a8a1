#include "archived/catalog/content.h"

#include "archived/base/status_macros.h"
#include "archived/codec/codec.h"
#include "archived/catalog/internal/keys.h"
#include "archived/crypto/chunk_seal.h"
#include "archived/v1/proto_time.h"

namespace archived::catalog {

using storage::Keyspace;

Status ContentOptions::Validate() const {
  if (chunk_bytes < 4096 || chunk_bytes > (16u << 20)) {
    return InvalidArgumentError("chunk_bytes must be between 4 KiB and 16 MiB");
  }
  if (zstd_level < 0 || zstd_level > 19) {
    return InvalidArgumentError("zstd_level must be between 0 and 19");
  }
  return OkStatus();
}

ContentWriter::ContentWriter(const ContentOptions& options, storage::Store* store,
                             std::string content_id, crypto::SecretKey data_key,
                             Timestamp started)
    : options_(options), store_(store), content_id_(std::move(content_id)),
      data_key_(std::move(data_key)), started_(started) {
  buffer_.reserve(options_.chunk_bytes + 1);
}

std::unique_ptr<ContentWriter> ContentWriter::Begin(const ContentOptions& options, storage::Store* store,
                                                    ReservedKey key, const Clock& clock) {
  return std::unique_ptr<ContentWriter>(new ContentWriter(options, store, std::move(key.content_id),
                                                          std::move(key.data_key), clock.Now()));
}

Status ContentWriter::RecordPending() {
  v1::PendingUpload pending;
  pending.set_content_id(content_id_);
  v1::SetTime(pending.mutable_started_time(), started_);
  // Synced: chunks skip the log and reach synced blob files by a flush, so the record must be
  // durable first, or a power loss could leave chunks that no record leads the sweeper to.
  // One fsync per content of more than a megabyte.
  ARCHIVED_RETURN_IF_ERROR(store_->Put(Keyspace::kUploads, content_id_, pending.SerializeAsString(), {.sync = true})
                               .Annotate("record pending upload"));
  pending_recorded_ = true;
  return OkStatus();
}

ContentWriter::~ContentWriter() {
  if (!committed_ && !aborted_) {
    IgnoreError(Abort());  // best effort; the startup sweep removes whatever is left
  }
}

Status ContentWriter::SealAndWrite(std::string_view plaintext, bool last) {
  if (!pending_recorded_) {
    ARCHIVED_RETURN_IF_ERROR(RecordPending());
  }
  codec::EncodePayload(plaintext, options_.zstd_level, &payload_);
  ARCHIVED_RETURN_IF_ERROR(crypto::SealChunkInto(data_key_, content_id_, chunks_, last, payload_, &sealed_));
  // Chunks skip the write-ahead log (content would otherwise be written twice: log, then
  // blob file); Finish flushes them to synced blob files before anything references them.
  ARCHIVED_RETURN_IF_ERROR(store_->Put(Keyspace::kChunks, internal::ChunkKey(content_id_, chunks_), sealed_,
                                       {.sync = false, .write_ahead_log = false})
                               .Annotate("write content chunk"));
  ++chunks_;
  stored_bytes_ += sealed_.size();
  return OkStatus();
}

Status ContentWriter::Append(std::string_view data) {
  if (finished_ || aborted_) {
    return FailedPreconditionError("append to a finished upload");
  }
  hash_.Update(data);
  size_ += data.size();
  while (!data.empty()) {
    // A chunk is sealed only once a byte beyond it has arrived: until then it might be the
    // last one, and the last chunk carries the STREAM "last" flag.
    if (buffer_.size() == options_.chunk_bytes) {
      ARCHIVED_RETURN_IF_ERROR(SealAndWrite(buffer_, /*last=*/false));
      buffer_.clear();
    }
    const std::size_t take = std::min(data.size(), options_.chunk_bytes - buffer_.size());
    buffer_.append(data.substr(0, take));
    data.remove_prefix(take);
  }
  return OkStatus();
}

StatusOr<SealedContent> ContentWriter::Finish() {
  if (finished_ || aborted_) {
    return FailedPreconditionError("finish an upload twice");
  }
  SealedContent out;
  if (chunks_ == 0) {
    // One chunk in all: sealed here, written by the commit.
    codec::EncodePayload(buffer_, options_.zstd_level, &payload_);
    ARCHIVED_RETURN_IF_ERROR(crypto::SealChunkInto(data_key_, content_id_, 0, /*last=*/true, payload_, &sealed_));
    ++chunks_;
    stored_bytes_ += sealed_.size();
    out.inline_chunk = std::move(sealed_);
  } else {
    ARCHIVED_RETURN_IF_ERROR(SealAndWrite(buffer_, /*last=*/true));
    ARCHIVED_RETURN_IF_ERROR(store_->Flush(Keyspace::kChunks).Annotate("make content chunks durable"));
  }
  finished_ = true;
  buffer_.clear();
  buffer_.shrink_to_fit();
  out.content_id = content_id_;
  out.pending_recorded = pending_recorded_;
  out.size = size_;
  out.sha256 = hash_.Finish();
  out.chunk_count = chunks_;
  out.chunk_bytes = static_cast<std::uint32_t>(options_.chunk_bytes);
  out.stored_bytes = stored_bytes_;
  return out;
}

Status ContentWriter::Abort() {
  aborted_ = true;
  if (!pending_recorded_) {
    return OkStatus();  // nothing was written
  }
  storage::WriteBatch batch;
  batch.DeleteRange(Keyspace::kChunks, internal::ChunkRangeBegin(content_id_),
                    internal::ChunkRangeEnd(content_id_));
  batch.Delete(Keyspace::kUploads, content_id_);
  return store_->Commit(batch, {.sync = false}).Annotate("abort upload");
}

StatusOr<std::unique_ptr<ContentReader>> ContentReader::Open(const storage::Store& store,
                                                             const storage::Store& vault,
                                                             const crypto::Keyring& keyring,
                                                             const v1::Version& version) {
  const v1::ContentRef& ref = version.content();
  if (ref.content_id().size() != internal::kContentIdBytes || ref.chunk_bytes() == 0 ||
      ref.chunk_count() == 0 || ref.seal_format() != crypto::kChunkSealFormat) {
    return DataLossError("version record has a malformed content reference");
  }
  StatusOr<std::string> wrapped = vault.Get(Keyspace::kKeys, ref.content_id());
  if (!wrapped.ok()) {
    if (wrapped.status().code() == StatusCode::kNotFound) {
      return DataLossError("the data key of this version is missing from the key vault");
    }
    return wrapped.status();
  }
  ARCHIVED_ASSIGN_OR_RETURN(crypto::SecretKey key, keyring.Unwrap(*wrapped));
  const std::uint64_t expected_chunks =
      version.size() == 0 ? 1 : (version.size() + ref.chunk_bytes() - 1) / ref.chunk_bytes();
  if (expected_chunks != ref.chunk_count()) {
    return DataLossError("version size and chunk count disagree");
  }
  return std::unique_ptr<ContentReader>(new ContentReader(store, ref.content_id(), std::move(key),
                                                          version.size(), ref.chunk_bytes(),
                                                          ref.chunk_count()));
}

Status ContentReader::ReadChunk(std::uint64_t index, std::string* plaintext) {
  if (index >= chunk_count_) {
    return OutOfRangeError("chunk index past the end of the content");
  }
  if (Status s = store_.GetInto(Keyspace::kChunks, internal::ChunkKey(content_id_, index), &sealed_); !s.ok()) {
    if (s.code() == StatusCode::kNotFound) {
      return DataLossError("content chunk " + std::to_string(index) + " is missing");
    }
    return s;
  }
  const bool last = index + 1 == chunk_count_;
  if (Status s = crypto::OpenChunkInto(data_key_, content_id_, index, last, sealed_, &payload_); !s.ok()) {
    return s.Annotate("content chunk " + std::to_string(index));
  }
  const std::uint64_t expected = last ? size_ - index * chunk_bytes_ : chunk_bytes_;
  return codec::DecodePayload(payload_, expected, plaintext);
}

}  // namespace archived::catalog
