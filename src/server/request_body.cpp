#include "request_body.hpp"
#include "athena_runner/base/text.hpp"

#include <vector>

#include "checksums.hpp"
#include "file_store.hpp"

namespace athena_runner::server {
namespace {

constexpr std::uint64_t kMaxObjectSize = 5ull << 30;  // S3's largest single PUT

Error body_error(const char* code, std::string message, int status = 400) {
  Error error = make_error(ErrorKind::Service, code, std::move(message));
  error.http_status = status;
  return error;
}

bool is_hex_sha256(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// The checksum algorithms a request names: x-amz-checksum-<name> (header or x-amz-trailer),
// x-amz-sdk-checksum-algorithm, x-amz-checksum-algorithm.
std::vector<ChecksumAlgorithm> named_algorithms(const Request& request) {
  std::vector<ChecksumAlgorithm> out;
  const std::string trailer = text::lower(text::trim(request.header("x-amz-trailer").value_or("")));
  for (ChecksumAlgorithm algorithm : kChecksumAlgorithms) {
    const std::string header = checksum_header_name(algorithm);
    bool named = request.header(header).has_value() || trailer == header;
    for (const char* name : {"x-amz-sdk-checksum-algorithm", "x-amz-checksum-algorithm"}) {
      if (auto value = request.header(name); value && checksum_algorithm_from_name(*value) == algorithm) named = true;
    }
    if (named) out.push_back(algorithm);
  }
  return out;
}

class SpoolSink final : public BodySink {
 public:
  SpoolSink(TempFile file, const Request& request, std::optional<ChunkedContext> chunked)
      : file_(std::make_shared<TempFile>(std::move(file))) {
    if (chunked) decoder_ = std::make_unique<AwsChunkedDecoder>(std::move(*chunked));
    if (auto hash = request.header("x-amz-content-sha256"); hash && is_hex_sha256(*hash)) {
      expected_sha256_ = *hash;
      sha256_ = std::make_unique<Checksum>(ChecksumAlgorithm::Sha256);
    }
    for (ChecksumAlgorithm algorithm : named_algorithms(request))
      checksums_.push_back(std::make_unique<Checksum>(algorithm));
    decoded_length_ = request.header("x-amz-decoded-content-length");
  }

  bool write(std::string_view data) override {
    if (error_) return false;
    Status status =
        decoder_ ? decoder_->feed(data, [this](std::string_view piece) { return consume(piece); }) : consume(data);
    if (!status) error_ = std::move(status).get_failure();
    return !error_;
  }

  void finish(Request& request, bool complete) override {
    if (!error_ && !complete)
      error_ = body_error(auth_errors::kIncompleteBody, "The request body ended before it was whole.");
    if (!error_ && decoder_) {
      auto trailers = decoder_->finish();
      if (!trailers) {
        error_ = std::move(trailers).get_failure();
      } else {
        merge_trailers(request, *trailers);
        if (decoded_length_ && *decoded_length_ != std::to_string(decoder_->decoded_size()))
          error_ = body_error(auth_errors::kIncompleteBody,
                              "The decoded body length differs from x-amz-decoded-content-length.");
      }
    }
    if (!error_ && sha256_) {
      std::string computed = hex_encode(base64_decode(sha256_->value()).value_or(""));
      if (computed != expected_sha256_)
        error_ = body_error(auth_errors::kContentSha256Mismatch,
                            "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    if (error_) {
      request.body_error = std::move(error_);
      return;  // file_ goes with this sink: the temporary file is removed
    }
    auto spooled = std::make_shared<SpooledBody>();
    spooled->file = file_;
    spooled->size = file_->size();
    spooled->md5_raw = md5_.raw();
    for (auto& checksum : checksums_)
      spooled->checksums[std::string(to_string(checksum->algorithm()))] = checksum->value();
    request.spooled = std::move(spooled);
  }

 private:
  Status consume(std::string_view data) {
    if (file_->size() + data.size() > kMaxObjectSize)
      return body_error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.");
    md5_.update(data);
    if (sha256_) sha256_->update(data);
    for (auto& checksum : checksums_) checksum->update(data);
    return file_->append(data);
  }

  std::shared_ptr<TempFile> file_;
  std::unique_ptr<AwsChunkedDecoder> decoder_;
  Md5 md5_;
  std::unique_ptr<Checksum> sha256_;
  std::string expected_sha256_;
  std::vector<std::unique_ptr<Checksum>> checksums_;
  std::optional<std::string> decoded_length_;
  std::optional<Error> error_;
};

}  // namespace

Outcome<std::unique_ptr<BodySink>> make_spool_sink(const std::string& temp_dir, const Request& request,
                                                   std::optional<ChunkedContext> chunked) {
  auto file = TempFile::create(temp_dir);
  if (!file) return std::move(file).get_failure();
  return std::unique_ptr<BodySink>(std::make_unique<SpoolSink>(std::move(*file), request, std::move(chunked)));
}

}  // namespace athena_runner::server
