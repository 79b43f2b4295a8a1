#include "archived/codec/codec.h"

#include <zstd.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <vector>

#include "archived/base/check.h"

namespace archived::codec {
namespace {
constexpr char kRaw = 0;
constexpr char kZstd = 1;

// Contexts are reused: ZSTD_compress makes and frees a context on every call, which cost
// more than compressing a 10 KiB document. A compression context holds ~1.25 MiB once it has
// compressed a 1 MiB chunk at level 3, so they are pooled rather than kept per thread: one
// upload's chunks are sealed on whichever of the eight blocking threads is free, and with a
// context per thread it ended up holding eight. The pool keeps as many as ever compressed at
// once (one per core, give or take).
class CompressorPool {
 public:
  ZSTD_CCtx* Take() {
    {
      const std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        ZSTD_CCtx* cctx = idle_.back();
        idle_.pop_back();
        return cctx;
      }
    }
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    ARCHIVED_CHECK(cctx != nullptr);
    return cctx;
  }
  void Give(ZSTD_CCtx* cctx) {
    const std::lock_guard lock(mu_);
    idle_.push_back(cctx);
  }

 private:
  std::mutex mu_;
  std::vector<ZSTD_CCtx*> idle_;  // never freed: they live as long as the process
};

// A compression context from the pool, given back when this goes out of scope.
class Compressor {
 public:
  Compressor() : cctx_(Pool().Take()) {}
  ~Compressor() { Pool().Give(cctx_); }
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;
  ZSTD_CCtx* get() const { return cctx_; }

 private:
  static CompressorPool& Pool() {
    static CompressorPool* pool = new CompressorPool();  // never destroyed: used by exiting threads
    return *pool;
  }
  ZSTD_CCtx* const cctx_;
};

// A decompression context per thread: small for one-shot decoding.
ZSTD_DCtx* Decompressor() {
  struct Holder {
    ZSTD_DCtx* dctx = ZSTD_createDCtx();
    ~Holder() { ZSTD_freeDCtx(dctx); }
  };
  thread_local Holder holder;
  ARCHIVED_CHECK(holder.dctx != nullptr);
  return holder.dctx;
}

// Compresses into one frame, ending a block every block_bytes; returns the frame's size, or
// nothing when zstd fails.
std::optional<std::size_t> CompressInBlocks(std::string_view plaintext, int zstd_level, std::size_t block_bytes, char* out,
                             std::size_t capacity) {
  const Compressor compressor;
  ZSTD_CCtx* cctx = compressor.get();
  ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, zstd_level);
  ZSTD_CCtx_setPledgedSrcSize(cctx, plaintext.size());  // the frame declares its size
  ZSTD_outBuffer output{out, capacity, 0};
  for (std::size_t at = 0; at < plaintext.size(); at += block_bytes) {
    const std::size_t n = std::min(block_bytes, plaintext.size() - at);
    ZSTD_inBuffer input{plaintext.data() + at, n, 0};
    const bool last = at + n == plaintext.size();
    std::size_t left;
    do {
      left = ZSTD_compressStream2(cctx, &output, &input, last ? ZSTD_e_end : ZSTD_e_flush);
      if (ZSTD_isError(left) || (left != 0 && output.pos == output.size)) return std::nullopt;
    } while (left != 0);
  }
  return output.pos;
}

}  // namespace

void EncodePayload(std::string_view plaintext, int zstd_level, std::string* out, std::size_t block_bytes) {
  if (plaintext.size() >= 64 && zstd_level > 0) {
    out->resize(1 + ZSTD_compressBound(plaintext.size()) + plaintext.size() / 1024 + 64);
    std::optional<std::size_t> n;
    if (block_bytes > 0 && block_bytes < plaintext.size()) {
      n = CompressInBlocks(plaintext, zstd_level, block_bytes, out->data() + 1, out->size() - 1);
    } else {
      const Compressor compressor;
      const std::size_t size = ZSTD_compressCCtx(compressor.get(), out->data() + 1, out->size() - 1,
                                                 plaintext.data(), plaintext.size(), zstd_level);
      if (!ZSTD_isError(size)) n = size;
    }
    if (n && *n + plaintext.size() / 16 < plaintext.size()) {
      (*out)[0] = kZstd;
      out->resize(1 + *n);
      return;
    }
  }
  out->assign(1, kRaw);
  out->append(plaintext);
}

namespace {

// What both decoders do first: check the tag, and for zstd the declared size; a raw payload
// is copied to `out` whole. Returns the zstd frame still to decode, or an empty view.
StatusOr<std::string_view> StartDecoding(std::string_view payload, std::size_t expected_bytes, std::string* out) {
  if (payload.empty()) {
    return DataLossError("chunk payload is empty");
  }
  const std::string_view body = payload.substr(1);
  if (payload[0] == kRaw) {
    if (body.size() != expected_bytes) {
      return DataLossError("chunk has the wrong length");
    }
    out->assign(body);
    return std::string_view();
  }
  if (payload[0] != kZstd) {
    return DataLossError("chunk payload has an unknown codec");
  }
  const unsigned long long declared = ZSTD_getFrameContentSize(body.data(), body.size());
  if (declared != expected_bytes) {
    return DataLossError("compressed chunk declares the wrong length");
  }
  out->resize(expected_bytes);
  return body;
}

}  // namespace

Status DecodePayload(std::string_view payload, std::size_t expected_bytes, std::string* out) {
  StatusOr<std::string_view> frame = StartDecoding(payload, expected_bytes, out);
  if (!frame.ok() || frame->empty()) return frame.status();
  const std::size_t n =
      ZSTD_decompressDCtx(Decompressor(), out->data(), out->size(), frame->data(), frame->size());
  if (ZSTD_isError(n) || n != expected_bytes) {
    return DataLossError("compressed chunk does not decompress");
  }
  return OkStatus();
}

Status DecodePayloadPrefix(std::string_view payload, std::size_t expected_bytes, std::string* out,
                           const std::function<bool(std::string_view decoded)>& enough) {
  StatusOr<std::string_view> frame = StartDecoding(payload, expected_bytes, out);
  if (!frame.ok() || frame->empty()) return frame.status();
  ZSTD_DCtx* dctx = Decompressor();
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
  ZSTD_inBuffer input{frame->data(), frame->size(), 0};
  // A step of output at a time: zstd decodes whole blocks, so a frame written with
  // block_bytes is decoded about a block per step.
  constexpr std::size_t kStepBytes = 1024;
  ZSTD_outBuffer output{out->data(), 0, 0};
  while (true) {
    output.size = std::min(expected_bytes, output.pos + kStepBytes);
    const std::size_t before = output.pos;
    const std::size_t left = ZSTD_decompressStream(dctx, &output, &input);
    if (ZSTD_isError(left)) return DataLossError("compressed chunk does not decompress");
    if (left == 0) break;  // the frame is complete
    if (output.pos == before && input.pos == input.size) return DataLossError("compressed chunk is cut short");
    if (output.pos > before && enough(std::string_view(out->data(), output.pos))) {
      out->resize(output.pos);
      return OkStatus();
    }
  }
  if (output.pos != expected_bytes || input.pos != input.size) {
    return DataLossError("compressed chunk does not decompress");
  }
  return OkStatus();
}

}  // namespace archived::codec
