// Owners of DuckDB C API handles: each destroys its handle once, on every path, so no code outside this
// header calls a duckdb_destroy_* / duckdb_close / duckdb_disconnect / duckdb_free by hand. Move-only, no
// copies of what they own, no extra calls: the same C API calls as hand-written code, in the same order.
#pragma once

#include <duckdb.h>

#include <string>
#include <string_view>
#include <utility>

namespace athena_runner::engine::duck {

// The text of a DuckDB error message, which the C API may leave null.
inline std::string error_text(const char* text) { return text ? text : "unknown DuckDB error"; }

// A handle the C API gives out as a pointer and takes back by the address of that pointer (which it resets).
template <typename T, void (*Destroy)(T*)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(T owned) noexcept : handle_(owned) {}
  Handle(Handle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  T get() const noexcept { return handle_; }
  explicit operator bool() const noexcept { return handle_ != nullptr; }
  // For an out-parameter (duckdb_open_ext, duckdb_connect, duckdb_prepare, ...): what was owned is destroyed
  // first. The C API may fill it even when the call fails (duckdb_prepare does, to carry the error); it
  // is destroyed with this owner either way.
  T* out() noexcept {
    reset();
    return &handle_;
  }
  void reset() noexcept {
    if (handle_) Destroy(&handle_);
    handle_ = nullptr;
  }

 private:
  T handle_ = nullptr;
};

using Config = Handle<duckdb_config, duckdb_destroy_config>;
using Database = Handle<duckdb_database, duckdb_close>;
// Declare a Connection after its Database and a PreparedStatement after its Connection: members are
// destroyed in reverse order, and DuckDB wants a statement destroyed before its connection, that before
// its database.
using Connection = Handle<duckdb_connection, duckdb_disconnect>;
using PreparedStatement = Handle<duckdb_prepared_statement, duckdb_destroy_prepare>;
using ExtractedStatements = Handle<duckdb_extracted_statements, duckdb_destroy_extracted>;
using DataChunk = Handle<duckdb_data_chunk, duckdb_destroy_data_chunk>;
using LogicalType = Handle<duckdb_logical_type, duckdb_destroy_logical_type>;
using Value = Handle<duckdb_value, duckdb_destroy_value>;
// duckdb_appender_destroy flushes and reports a state; owners only destroy (call duckdb_appender_close first).
inline void destroy_appender(duckdb_appender* appender) { duckdb_appender_destroy(appender); }
using Appender = Handle<duckdb_appender, destroy_appender>;

// A string the C API allocated (duckdb_malloc) for the caller to duckdb_free; may be null.
class String {
 public:
  String() = default;
  // Some functions return an owned string as const char* (duckdb_prepared_statement_column_name).
  explicit String(const char* owned) noexcept : text_(const_cast<char*>(owned)) {}
  String(String&& other) noexcept : text_(std::exchange(other.text_, nullptr)) {}
  String& operator=(String&& other) noexcept {
    if (this != &other) {
      reset();
      text_ = std::exchange(other.text_, nullptr);
    }
    return *this;
  }
  String(const String&) = delete;
  String& operator=(const String&) = delete;
  ~String() { reset(); }

  const char* get() const noexcept { return text_; }
  explicit operator bool() const noexcept { return text_ != nullptr; }
  std::string_view view() const noexcept { return text_ ? std::string_view(text_) : std::string_view(); }
  // For an out-parameter (duckdb_open_ext's error).
  char** out() noexcept {
    reset();
    return &text_;
  }
  void reset() noexcept {
    if (text_) duckdb_free(text_);
    text_ = nullptr;
  }

 private:
  char* text_ = nullptr;
};

// duckdb_result is a struct the caller owns by value; duckdb_query and duckdb_execute_prepared fill it
// even when they fail (it carries the error), so it is destroyed whatever they return. It starts zeroed,
// which duckdb_destroy_result treats as empty: an owner no query filled (a failure before the query ran,
// or duckdb_execute_prepared refusing an invalid statement before it touches the result) is safe.
class Result {
 public:
  Result() noexcept : result_{} {}
  Result(Result&& other) noexcept : result_(std::exchange(other.result_, duckdb_result{})) {}
  Result& operator=(Result&& other) noexcept {
    if (this != &other) {
      duckdb_destroy_result(&result_);
      result_ = std::exchange(other.result_, duckdb_result{});
    }
    return *this;
  }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result() { duckdb_destroy_result(&result_); }

  duckdb_result* get() noexcept { return &result_; }
  // For the next query's out-parameter: the result held so far is destroyed first (before that query runs).
  duckdb_result* out() noexcept {
    reset();
    return &result_;
  }
  // Zeroes it again (duckdb_destroy_result does), so destroying it later is a no-op.
  void reset() noexcept { duckdb_destroy_result(&result_); }
  // The error of a failed query.
  std::string error() { return error_text(duckdb_result_error(&result_)); }

 private:
  duckdb_result result_;
};

}  // namespace athena_runner::engine::duck
