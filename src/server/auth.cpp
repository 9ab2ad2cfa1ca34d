#include "auth.hpp"
#include "athena_runner/base/text.hpp"

#include <ctime>

#include "athena_runner/aws/sigv4.hpp"
#include "checksums.hpp"

namespace athena_runner::server {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kStreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
constexpr std::string_view kStreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
constexpr std::string_view kStreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
constexpr std::string_view kTrailerSignatureName = "x-amz-trailer-signature";
constexpr long long kMaxPresignedExpiry = 604800;  // 7 days, S3's limit
constexpr std::size_t kMaxChunkHeaderLine = 4096;

Error auth_error(const char* code, std::string message, int status = 403) {
  Error error = make_error(ErrorKind::Service, code, std::move(message));
  error.http_status = status;
  return error;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

// Credential=AKID/20130524/us-east-1/s3/aws4_request
bool parse_credential(std::string_view credential, SignatureInfo& info) {
  auto parts = split(credential, '/');
  if (parts.size() != 5 || parts[4] != kTerminator || parts[1].size() != 8) return false;
  info.access_key_id = parts[0];
  info.date = parts[1];
  info.region = parts[2];
  info.service = parts[3];
  return !info.access_key_id.empty() && !info.region.empty() && !info.service.empty();
}

std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  for (std::size_t index = 0; index < 15; ++index)
    if (index != 8 && (text[index] < '0' || text[index] > '9')) return std::nullopt;
  auto number = [&](std::size_t position, std::size_t length) {
    int value = 0;
    for (std::size_t index = position; index < position + length; ++index) value = value * 10 + (text[index] - '0');
    return value;
  };
  std::tm utc{};
  utc.tm_year = number(0, 4) - 1900;
  utc.tm_mon = number(4, 2) - 1;
  utc.tm_mday = number(6, 2);
  utc.tm_hour = number(9, 2);
  utc.tm_min = number(11, 2);
  utc.tm_sec = number(13, 2);
  if (utc.tm_mon < 0 || utc.tm_mon > 11 || utc.tm_mday < 1 || utc.tm_mday > 31 || utc.tm_hour > 23 || utc.tm_min > 59 ||
      utc.tm_sec > 60)
    return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&utc));
}

bool constant_time_equal(std::string_view left, std::string_view right) {
  if (left.size() != right.size()) return false;
  unsigned char difference = 0;
  for (std::size_t index = 0; index < left.size(); ++index)
    difference |= static_cast<unsigned char>(left[index] ^ right[index]);
  return difference == 0;
}

bool is_hex_sha256(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string join(const std::vector<std::string>& parts, char separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out.push_back(separator);
    out.append(part);
  }
  return out;
}

}  // namespace

std::optional<Outcome<SignatureInfo>> read_signature(const Request& request) {
  SignatureInfo info;
  if (auto authorization = request.header("authorization")) {
    std::string_view text = text::trim(*authorization);
    if (text.substr(0, kAlgorithm.size()) != kAlgorithm || text.size() == kAlgorithm.size() ||
        text[kAlgorithm.size()] != ' ')
      return Outcome<SignatureInfo>(
          auth_error(auth_errors::kMalformed, "Only AWS4-HMAC-SHA256 (SigV4) authorization is supported.", 400));
    bool have_credential = false;
    bool have_headers = false;
    for (const auto& raw_part : split(text.substr(kAlgorithm.size() + 1), ',')) {
      std::string_view part = text::trim(raw_part);
      auto equals = part.find('=');
      if (equals == std::string_view::npos) continue;
      std::string_view name = part.substr(0, equals);
      std::string_view value = part.substr(equals + 1);
      if (name == "Credential") {
        have_credential = parse_credential(value, info);
      } else if (name == "SignedHeaders") {
        info.signed_headers = split(value, ';');
        have_headers = !value.empty();
      } else if (name == "Signature") {
        info.signature = std::string(value);
      }
    }
    if (!have_credential || !have_headers || info.signature.empty())
      return Outcome<SignatureInfo>(auth_error(
          auth_errors::kMalformed,
          "The authorization header is malformed; expected Credential=<key>/<date>/<region>/<service>/aws4_request, "
          "SignedHeaders and Signature.",
          400));
    info.amz_date = request.header("x-amz-date").value_or("");
    return Outcome<SignatureInfo>(std::move(info));
  }
  auto algorithm = request.query_value("X-Amz-Algorithm");
  if (!algorithm && request.has_query("AWSAccessKeyId") && request.has_query("Signature"))
    return Outcome<SignatureInfo>(
        auth_error(auth_errors::kMalformed,
                   "Signature Version 2 is not supported: presign with AWS4-HMAC-SHA256 (boto3: "
                   "Config(signature_version='s3v4')).",
                   400));
  if (!algorithm) return std::nullopt;
  info.presigned = true;
  auto credential = request.query_value("X-Amz-Credential");
  auto signed_headers = request.query_value("X-Amz-SignedHeaders");
  auto signature = request.query_value("X-Amz-Signature");
  auto amz_date = request.query_value("X-Amz-Date");
  auto expires = request.query_value("X-Amz-Expires");
  bool valid = *algorithm == kAlgorithm && credential && parse_credential(*credential, info) && signed_headers &&
               !signed_headers->empty() && signature && !signature->empty() && amz_date && expires;
  if (valid) {
    try {
      std::size_t used = 0;
      info.expires_seconds = std::stoll(*expires, &used);
      valid = used == expires->size() && info.expires_seconds > 0 && info.expires_seconds <= kMaxPresignedExpiry;
    } catch (const std::exception&) {
      valid = false;
    }
  }
  if (!valid)
    return Outcome<SignatureInfo>(auth_error(
        auth_errors::kMalformed,
        "Query-string authentication requires X-Amz-Algorithm=AWS4-HMAC-SHA256, X-Amz-Credential, X-Amz-Date, "
        "X-Amz-Expires (1 to 604800), X-Amz-SignedHeaders and X-Amz-Signature.",
        400));
  info.signed_headers = split(*signed_headers, ';');
  info.signature = *signature;
  info.amz_date = *amz_date;
  return Outcome<SignatureInfo>(std::move(info));
}

namespace {

// Everything but the payload: the key, the time, the signature over the canonical request.
Status verify_header_signature(const Request& request, const SignatureInfo& info, const VerifyOptions& options) {
  if (info.access_key_id != options.access_key_id)
    return auth_error(auth_errors::kUnknownKey, "The AWS Access Key Id you provided does not exist in our records.");
  auto time = parse_amz_date(info.amz_date);
  if (!time || info.amz_date.substr(0, 8) != info.date)
    return auth_error(auth_errors::kMalformed,
                      "X-Amz-Date must be YYYYMMDDTHHMMSSZ on the date of the credential scope.", 400);
  if (info.presigned) {
    if (options.now > *time + std::chrono::seconds(info.expires_seconds))
      return auth_error(auth_errors::kExpired, "Request has expired");
    if (*time - options.now > options.max_clock_skew)
      return auth_error(auth_errors::kSkewed,
                        "The difference between the request time and the current time is too large.");
  } else if (*time - options.now > options.max_clock_skew || options.now - *time > options.max_clock_skew) {
    return auth_error(auth_errors::kSkewed,
                      "The difference between the request time and the current time is too large.");
  }

  const bool s3 = info.service == "s3";
  aws::HttpRequest canonical;
  canonical.method = request.method;
  canonical.path = request.raw_path.empty() ? "/" : request.raw_path;
  for (const auto& [name, value] : request.query)
    if (!(info.presigned && name == "X-Amz-Signature")) canonical.query.emplace_back(name, value);
  for (const auto& signed_name : info.signed_headers) {
    std::string lowered = text::lower(signed_name);
    bool found = false;
    for (const auto& [name, value] : request.headers) {
      if (name == lowered) {
        canonical.headers.emplace_back(name, value);
        found = true;
      }
    }
    if (!found) return auth_error(auth_errors::kMismatch, "The signed header '" + lowered + "' is not in the request.");
    if (lowered == "host") canonical.host = request.header("host").value_or("");
  }
  std::optional<std::string> content_sha256 = request.header("x-amz-content-sha256");
  if (s3 && !info.presigned && !content_sha256)
    return auth_error("InvalidRequest", "Missing required header for this request: x-amz-content-sha256", 400);

  aws::Credentials credentials;
  credentials.access_key_id = options.access_key_id;
  credentials.secret_access_key = options.secret_access_key;
  aws::SigningParams params;
  params.region = info.region;
  params.service = info.service;
  params.time = *time;
  params.s3_rules = s3;
  params.unsigned_payload = info.presigned;
  // Without x-amz-content-sha256 the payload hash is computed from the body (JSON services).
  if (!canonical.header("x-amz-content-sha256") && !info.presigned) canonical.body = request.body;
  aws::SigningParts expected = aws::compute_signature(canonical, credentials, params);
  if (expected.signed_headers != join(info.signed_headers, ';') &&
      text::lower(join(info.signed_headers, ';')) != expected.signed_headers)
    return auth_error(auth_errors::kMismatch,
                      "The request signature we calculated does not match the signature you provided: this endpoint "
                      "does not verify signatures over hop-by-hop or User-Agent headers (signed: " +
                          join(info.signed_headers, ';') + ").");
  if (!constant_time_equal(expected.signature, info.signature))
    return auth_error(auth_errors::kMismatch,
                      "The request signature we calculated does not match the signature you provided. Check your key "
                      "and signing method.");
  return Ok{};
}

// What x-amz-content-sha256 says about the payload of a header-signed S3 request.
Status check_payload_mode(const Request& request, std::string_view payload_hash) {
  if (payload_hash == aws::kUnsignedPayload || is_hex_sha256(payload_hash)) return Ok{};
  if (payload_hash != kStreamingSigned && payload_hash != kStreamingSignedTrailer &&
      payload_hash != kStreamingUnsignedTrailer)
    return auth_error("InvalidArgument",
                      "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER], "
                      "STREAMING-UNSIGNED-PAYLOAD-TRAILER or a SHA-256 in hex.",
                      400);
  if (payload_hash != kStreamingSigned && !request.header("x-amz-trailer"))
    return auth_error("InvalidRequest", "A trailer payload needs the x-amz-trailer header.", 400);
  return Ok{};
}

}  // namespace

std::optional<ChunkedContext> chunked_context(const Request& request, const SignatureInfo& info,
                                              const VerifyOptions& options) {
  if (info.service != "s3" || info.presigned) return std::nullopt;
  auto payload_hash = request.header("x-amz-content-sha256");
  if (!payload_hash || (*payload_hash != kStreamingSigned && *payload_hash != kStreamingSignedTrailer &&
                        *payload_hash != kStreamingUnsignedTrailer))
    return std::nullopt;
  ChunkedContext context;
  context.signed_chunks = *payload_hash != kStreamingUnsignedTrailer;
  if (context.signed_chunks) {
    context.signing_key =
        hex_decode(aws::signing_key_hex(options.secret_access_key, info.date, info.region, info.service));
    context.seed_signature = info.signature;
    context.amz_date = info.amz_date;
    context.scope = info.date + "/" + info.region + "/" + info.service + "/" + std::string(kTerminator);
  }
  if (auto trailer = request.header("x-amz-trailer")) context.expected_trailer = text::lower(text::trim(*trailer));
  return context;
}

Status verify_signature_only(const Request& request, const SignatureInfo& info, const VerifyOptions& options) {
  if (auto status = verify_header_signature(request, info, options); !status) return status;
  if (info.service != "s3" || info.presigned) return Ok{};
  return check_payload_mode(request, request.header("x-amz-content-sha256").value_or(""));
}

void merge_trailers(Request& request, const std::vector<std::pair<std::string, std::string>>& trailers) {
  for (const auto& [name, value] : trailers) {
    bool replaced = false;
    for (auto& [existing, existing_value] : request.headers) {
      if (existing == name) {
        existing_value = value;
        replaced = true;
      }
    }
    if (!replaced) request.headers.emplace_back(name, value);
  }
}

Status verify_request(Request& request, const SignatureInfo& info, const VerifyOptions& options) {
  if (auto status = verify_header_signature(request, info, options); !status) return status;
  const bool s3 = info.service == "s3";
  std::optional<std::string> content_sha256 = request.header("x-amz-content-sha256");
  if (!s3 || info.presigned || !content_sha256) return Ok{};
  const std::string& payload_hash = *content_sha256;
  if (auto status = check_payload_mode(request, payload_hash); !status) return status;
  if (payload_hash == aws::kUnsignedPayload) return Ok{};
  if (is_hex_sha256(payload_hash)) {
    if (aws::sha256_hex(request.body) != payload_hash)
      return auth_error(auth_errors::kContentSha256Mismatch,
                        "The provided 'x-amz-content-sha256' header does not match what was computed.", 400);
    return Ok{};
  }
  auto context = chunked_context(request, info, options);
  auto decoded = decode_aws_chunked(request.body, *context);
  if (!decoded) return std::move(decoded).get_failure();
  if (auto declared = request.header("x-amz-decoded-content-length")) {
    if (*declared != std::to_string(decoded->payload.size()))
      return auth_error(auth_errors::kIncompleteBody,
                        "The decoded body length differs from x-amz-decoded-content-length.", 400);
  }
  request.body = std::move(decoded->payload);
  merge_trailers(request, decoded->trailers);
  return Ok{};
}

Outcome<DecodedChunks> decode_aws_chunked(std::string_view body, const ChunkedContext& context) {
  AwsChunkedDecoder decoder(context);
  DecodedChunks result;
  auto status = decoder.feed(body, [&](std::string_view data) -> Status {
    result.payload.append(data);
    return Ok{};
  });
  if (!status) return std::move(status).get_failure();
  auto trailers = decoder.finish();
  if (!trailers) return std::move(trailers).get_failure();
  result.trailers = std::move(*trailers);
  return result;
}

namespace {
Error incomplete_body(std::string message) { return auth_error(auth_errors::kIncompleteBody, std::move(message), 400); }
std::string sha256_hex_of(Checksum& hash) { return hex_encode(base64_decode(hash.value()).value_or("")); }
}  // namespace

AwsChunkedDecoder::AwsChunkedDecoder(ChunkedContext context)
    : context_(std::move(context)), previous_signature_(context_.seed_signature) {}
AwsChunkedDecoder::~AwsChunkedDecoder() = default;

Status AwsChunkedDecoder::feed(std::string_view data, const Sink& out) {
  while (!data.empty()) {
    switch (state_) {
      case State::ChunkHeader:
      case State::Trailers: {
        auto newline = data.find('\n');
        std::size_t take = newline == std::string_view::npos ? data.size() : newline + 1;
        line_.append(data.substr(0, take));
        data.remove_prefix(take);
        const bool header = state_ == State::ChunkHeader;
        if (line_.size() > kMaxChunkHeaderLine + 2)
          return incomplete_body(header ? "An aws-chunked chunk header is missing or too long."
                                        : "The aws-chunked trailer is not terminated by CRLF.");
        if (newline == std::string_view::npos) break;
        if (line_.size() < 2 || line_[line_.size() - 2] != '\r')
          return incomplete_body(header ? "An aws-chunked chunk header is missing or too long."
                                        : "The aws-chunked trailer is not terminated by CRLF.");
        std::string line = line_.substr(0, line_.size() - 2);
        line_.clear();
        auto status = header ? start_chunk(line) : trailer_line(line);
        if (!status) return status;
        break;
      }
      case State::ChunkData: {
        std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size()));
        std::string_view piece = data.substr(0, take);
        if (chunk_hash_) chunk_hash_->update(piece);
        if (auto status = out(piece); !status) return status;
        decoded_size_ += take;
        remaining_ -= take;
        data.remove_prefix(take);
        if (remaining_ == 0) {
          if (auto status = end_of_chunk(); !status) return status;
          state_ = State::ChunkEnd;
        }
        break;
      }
      case State::ChunkEnd: {
        std::size_t take = std::min<std::size_t>(2 - line_.size(), data.size());
        line_.append(data.substr(0, take));
        data.remove_prefix(take);
        if (line_.size() < 2) break;
        if (line_ != "\r\n") return incomplete_body("A chunk is longer than its declared size.");
        line_.clear();
        state_ = State::ChunkHeader;
        break;
      }
      case State::Done: return incomplete_body("Data follows the end of the aws-chunked body.");
    }
  }
  return Ok{};
}

Status AwsChunkedDecoder::start_chunk(std::string_view line) {
  std::string_view size_text = line.substr(0, line.find(';'));
  chunk_signature_.clear();
  if (line.size() > size_text.size()) {
    std::string_view extension = line.substr(size_text.size() + 1);
    constexpr std::string_view kSignaturePrefix = "chunk-signature=";
    if (extension.substr(0, kSignaturePrefix.size()) == kSignaturePrefix)
      chunk_signature_ = std::string(extension.substr(kSignaturePrefix.size()));
  }
  if (size_text.empty() || size_text.size() > 15) return incomplete_body("A chunk size is not hexadecimal.");
  std::uint64_t size = 0;
  for (char c : size_text) {
    int digit = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
    if (digit < 0) return incomplete_body("A chunk size is not hexadecimal.");
    size = size * 16 + static_cast<std::uint64_t>(digit);
  }
  chunk_start_ = decoded_size_;
  chunk_hash_.reset();
  if (context_.signed_chunks) chunk_hash_ = std::make_unique<Checksum>(ChecksumAlgorithm::Sha256);
  if (size == 0) {
    if (auto status = end_of_chunk(); !status) return status;
    state_ = State::Trailers;
    return Ok{};
  }
  remaining_ = size;
  state_ = State::ChunkData;
  return Ok{};
}

Status AwsChunkedDecoder::end_of_chunk() {
  if (!context_.signed_chunks) return Ok{};
  std::string to_sign = "AWS4-HMAC-SHA256-PAYLOAD\n" + context_.amz_date + "\n" + context_.scope + "\n" +
                        previous_signature_ + "\n" + aws::sha256_hex("") + "\n" + sha256_hex_of(*chunk_hash_);
  std::string expected = hex_encode(hmac_sha256_raw(context_.signing_key, to_sign));
  if (chunk_signature_.empty() || !constant_time_equal(expected, chunk_signature_))
    return auth_error(auth_errors::kMismatch,
                      "The request signature we calculated does not match the signature you provided (chunk at byte " +
                          std::to_string(chunk_start_) + ").");
  previous_signature_ = expected;
  return Ok{};
}

Status AwsChunkedDecoder::trailer_line(std::string_view line) {
  if (line.empty()) {
    state_ = State::Done;
    return Ok{};
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return incomplete_body("An aws-chunked trailer line has no ':'.");
  std::string name = text::lower(text::trim(line.substr(0, colon)));
  std::string value(text::trim(line.substr(colon + 1)));
  if (name == kTrailerSignatureName) {
    trailer_signature_ = value;
    return Ok{};
  }
  canonical_trailers_.append(name).append(":").append(value).append("\n");
  trailers_.emplace_back(std::move(name), std::move(value));
  return Ok{};
}

Outcome<std::vector<std::pair<std::string, std::string>>> AwsChunkedDecoder::finish() {
  using Trailers = std::vector<std::pair<std::string, std::string>>;
  switch (state_) {
    case State::ChunkHeader:
      return Outcome<Trailers>(incomplete_body("An aws-chunked chunk header is missing or too long."));
    case State::ChunkData: return Outcome<Trailers>(incomplete_body("A chunk is shorter than its declared size."));
    case State::ChunkEnd: return Outcome<Trailers>(incomplete_body("A chunk is longer than its declared size."));
    case State::Trailers:  // a missing final CRLF is tolerated, a partial line is not
      if (!line_.empty())
        return Outcome<Trailers>(incomplete_body("The aws-chunked trailer is not terminated by CRLF."));
      break;
    case State::Done: break;
  }
  if (context_.expected_trailer) {
    bool found = false;
    for (const auto& [name, value] : trailers_) found = found || name == *context_.expected_trailer;
    if (!found)
      return Outcome<Trailers>(
          incomplete_body("The trailer named by x-amz-trailer (" + *context_.expected_trailer + ") is missing."));
    if (context_.signed_chunks) {
      std::string to_sign = "AWS4-HMAC-SHA256-TRAILER\n" + context_.amz_date + "\n" + context_.scope + "\n" +
                            previous_signature_ + "\n" + aws::sha256_hex(canonical_trailers_);
      std::string expected = hex_encode(hmac_sha256_raw(context_.signing_key, to_sign));
      if (!constant_time_equal(expected, trailer_signature_))
        return Outcome<Trailers>(
            auth_error(auth_errors::kMismatch, "The trailer signature does not match the signature we calculated."));
    }
  }
  return trailers_;
}

}  // namespace athena_runner::server
