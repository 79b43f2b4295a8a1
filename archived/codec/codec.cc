#include "archived/codec/codec.h"

#include <zstd.h>

#include "archived/base/check.h"

namespace archived::codec {
namespace {
constexpr char kRaw = 0;
constexpr char kZstd = 1;

// One compression and one decompression context per thread, reused: ZSTD_compress makes and
// frees a context on every call, which cost more than compressing a 10 KiB document.
struct ZstdContexts {
  ZSTD_CCtx* compress = ZSTD_createCCtx();
  ZSTD_DCtx* decompress = ZSTD_createDCtx();
  ~ZstdContexts() {
    ZSTD_freeCCtx(compress);
    ZSTD_freeDCtx(decompress);
  }
};
ZstdContexts& Contexts() {
  thread_local ZstdContexts contexts;
  ARCHIVED_CHECK(contexts.compress != nullptr && contexts.decompress != nullptr);
  return contexts;
}
}  // namespace

void EncodePayload(std::string_view plaintext, int zstd_level, std::string* out) {
  if (plaintext.size() >= 64 && zstd_level > 0) {
    out->resize(1 + ZSTD_compressBound(plaintext.size()));
    const std::size_t n = ZSTD_compressCCtx(Contexts().compress, out->data() + 1, out->size() - 1,
                                            plaintext.data(), plaintext.size(), zstd_level);
    if (!ZSTD_isError(n) && n + plaintext.size() / 16 < plaintext.size()) {
      (*out)[0] = kZstd;
      out->resize(1 + n);
      return;
    }
  }
  out->assign(1, kRaw);
  out->append(plaintext);
}

Status DecodePayload(std::string_view payload, std::size_t expected_bytes, std::string* out) {
  if (payload.empty()) {
    return DataLossError("chunk payload is empty");
  }
  const std::string_view body = payload.substr(1);
  if (payload[0] == kRaw) {
    if (body.size() != expected_bytes) {
      return DataLossError("chunk has the wrong length");
    }
    out->assign(body);
    return OkStatus();
  }
  if (payload[0] != kZstd) {
    return DataLossError("chunk payload has an unknown codec");
  }
  const unsigned long long declared = ZSTD_getFrameContentSize(body.data(), body.size());
  if (declared != expected_bytes) {
    return DataLossError("compressed chunk declares the wrong length");
  }
  out->resize(expected_bytes);
  const std::size_t n = ZSTD_decompressDCtx(Contexts().decompress, out->data(), out->size(), body.data(), body.size());
  if (ZSTD_isError(n) || n != expected_bytes) {
    return DataLossError("compressed chunk does not decompress");
  }
  return OkStatus();
}

}  // namespace archived::codec
