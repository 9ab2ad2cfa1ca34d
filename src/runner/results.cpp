// Results: Athena's result CSV (streamed and parsed incrementally), the GetQueryResults fallback, and
// the printers for results and summaries.
#include <algorithm>
#include <cstring>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

#include "athena_runner/runner/deliver.hpp"
#include "athena_runner/runner/runner.hpp"

namespace athena_runner::runner {

namespace {

// RFC 4180 reader fed in chunks. Athena quotes every value, so an unquoted empty field is NULL and a
// quoted empty field is the empty string. Rows end with "\n" (a "\r\n" is accepted too).
class CsvReader {
 public:
  // header: the first row names the columns (sink.columns); without it every row goes to sink.row (a page
  // read from a row boundary in the middle of the file).
  CsvReader(std::size_t max_rows, RowSink& sink, bool header = true)
      : max_rows_(max_rows), sink_(sink), header_done_(!header) {}

  // False once max_rows data rows are complete and one more row has ended (table truncated), or on
  // a malformed input (see error()).
  bool feed(std::string_view chunk) {
    const char* at = chunk.data();
    const char* const end = at + chunk.size();
    while (at != end) {
      // A field's ordinary bytes are taken as one run; the bytes that change the state go through step().
      if (const char* run_end = run_of_content(at, end); run_end != at) {
        field_.append(at, run_end);
        consumed_ += static_cast<std::uint64_t>(run_end - at);
        at = run_end;
        continue;
      }
      if (!step(*at)) return false;
      ++consumed_;
      ++at;
    }
    return true;
  }

  // Bytes of input up to the end of the last row given to the sink (where the next row starts).
  std::uint64_t rows_end() const { return rows_end_; }

  // The end of the input (or of the rows wanted): completes the last row and ends the sink.
  Outcome<StreamedResult> finish() {
    if (!error_.empty()) return malformed();
    if (!stopped_) {
      if (in_quotes_ && quote_pending_) in_quotes_ = false;  // the file ends right after a closing quote
      if (in_quotes_) {
        error_ = "a quoted field is not closed at the end of the file";
        return malformed();
      }
      if (field_started_ || !row_.empty()) end_row();
      rows_end_ = std::min(rows_end_, consumed_);  // a last row without a line end ends with the input
      if (!error_.empty()) return malformed();
    }
    if (!header_done_) sink_.columns({}, {});
    sink_.end(result_.truncated);
    result_.via = "csv";
    return result_;
  }

 private:
  Error malformed() const {
    return make_error(ErrorKind::InvalidInput, "MalformedResultCsv",
                      "the result CSV is malformed at line " + std::to_string(line_) + ": " + error_);
  }

  // Where the run of plain field content starting at `at` ends (at itself when *at is not plain content or the
  // state is not inside a field): inside quotes everything but '"' (line ends counted for error messages);
  // unquoted, everything but a separator, a line end or a quote.
  const char* run_of_content(const char* at, const char* end) {
    if (stopped_ || quote_pending_) return at;
    if (in_quotes_) {
      const void* quote = std::memchr(at, '"', static_cast<std::size_t>(end - at));
      const char* run_end = quote != nullptr ? static_cast<const char*>(quote) : end;
      line_ += static_cast<int>(std::count(at, run_end, '\n'));
      return run_end;
    }
    if (after_quoted_) return at;
    const char* run_end = at;
    while (run_end != end && *run_end != ',' && *run_end != '\n' && *run_end != '\r' && *run_end != '"') ++run_end;
    if (run_end != at) field_started_ = true;
    return run_end;
  }

  bool step(char c) {
    if (stopped_) return false;
    if (in_quotes_) {
      if (quote_pending_) {
        quote_pending_ = false;
        if (c == '"') {
          field_ += '"';
          return true;
        }
        in_quotes_ = false;
        return after_field(c);
      }
      if (c == '"') {
        quote_pending_ = true;
      } else {
        if (c == '\n') ++line_;
        field_ += c;
      }
      return true;
    }
    if (after_quoted_) return after_field(c);
    if (c == '"') {
      if (field_started_) {
        error_ = "a quote inside an unquoted field";
        stopped_ = true;
        return false;
      }
      field_started_ = true;
      in_quotes_ = true;
      quoted_ = true;
      return true;
    }
    if (c == ',' || c == '\n' || c == '\r') return after_field(c);
    field_started_ = true;
    field_ += c;
    return true;
  }

  // After a field's content: a separator, a line end, or (inside a quoted field) an error.
  bool after_field(char c) {
    if (c == '\r') {
      // Part of "\r\n": the '\n' ends the row.
      after_quoted_ = quoted_;
      return true;
    }
    if (c == ',') {
      end_field();  // row_ is now non-empty: another field follows, possibly empty
      return true;
    }
    if (c == '\n') {
      ++line_;
      end_row();
      return !stopped_;
    }
    if (quoted_) {
      error_ = "text after a closing quote";
      stopped_ = true;
      return false;
    }
    field_ += c;
    return true;
  }

  void end_field() {
    if (!quoted_ && field_.empty()) {
      row_.emplace_back(std::nullopt);  // an empty unquoted field is NULL
    } else {
      row_.emplace_back(std::move(field_));
    }
    field_.clear();
    quoted_ = false;
    after_quoted_ = false;
    field_started_ = false;
  }

  void end_row() {
    end_field();
    if (!header_done_) {
      std::vector<std::string> names;
      names.reserve(row_.size());
      for (auto& cell : row_) names.push_back(cell.value_or(""));
      sink_.columns(std::move(names), {});
      header_done_ = true;
    } else if (max_rows_ != 0 && result_.rows >= max_rows_) {
      result_.truncated = true;
      stopped_ = true;
    } else {
      ++result_.rows;
      rows_end_ = consumed_ + 1;  // the line end being read completes the row
      const std::size_t width = row_.size();
      if (!sink_.row(std::move(row_))) stopped_ = true;
      row_ = {};
      row_.reserve(width);  // the next row has as many fields
      return;
    }
    row_.clear();
  }

  std::size_t max_rows_;
  RowSink& sink_;
  StreamedResult result_;
  std::vector<std::optional<std::string>> row_;
  std::string field_;
  std::string error_;
  bool in_quotes_ = false, quote_pending_ = false, quoted_ = false, after_quoted_ = false;
  bool field_started_ = false, header_done_, stopped_ = false;
  int line_ = 1;
  std::uint64_t consumed_ = 0, rows_end_ = 0;
};

std::string cell_text(const std::optional<std::string>& cell) { return cell ? *cell : std::string("NULL"); }

// Display width in code points (UTF-8 continuation bytes do not count).
std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string pad(const std::string& text, std::size_t width) {
  auto current = display_width(text);
  return current >= width ? text : text + std::string(width - current, ' ');
}

// A value on one table line: line breaks and tabs shown escaped.
std::string one_line(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out;
}

std::string millis_text(std::chrono::milliseconds value) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(3) << static_cast<double>(value.count()) / 1000.0 << " s";
  return out.str();
}

std::string bytes_text(std::int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
    value /= 1024.0;
    ++unit;
  }
  std::ostringstream out;
  if (unit == 0) {
    out << bytes << " B";
  } else {
    out << std::fixed << std::setprecision(2) << value << " " << kUnits[unit] << " (" << bytes << " bytes)";
  }
  return out.str();
}

}  // namespace

namespace {

// Collects the rows into a table (fetch_results, parse_athena_csv).
class TableSink final : public RowSink {
 public:
  explicit TableSink(ResultTable& table) : table_(table) {}
  void columns(std::vector<std::string> names, std::vector<std::string> types) override {
    table_.columns = std::move(names);
    table_.types = std::move(types);
  }
  bool row(ResultRow cells) override {
    table_.rows.push_back(std::move(cells));
    return true;
  }
  void end(bool truncated) override { table_.truncated = truncated; }

 private:
  ResultTable& table_;
};

// Athena's quoting: the value in double quotes, each quote doubled.
void append_csv_quoted(std::string& out, std::string_view text) {
  out += '"';
  for (;;) {
    const auto quote = text.find('"');
    if (quote == std::string_view::npos) break;
    out.append(text.substr(0, quote + 1));
    out += '"';
    text.remove_prefix(quote + 1);
  }
  out.append(text);
  out += '"';
}

// Trino CLI's TSV (TsvPrinter.escapeCharacter): no quoting; NUL, backspace, form feed, line breaks, tab and
// backslash escaped.
void append_tsv_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '\0': out += "\\0"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\\': out += "\\\\"; break;
      default: out += c;
    }
  }
}

// A printer that formats rows into its own buffer and writes it to the stream in large pieces (not a stream
// insertion per value): a million-row result costs a few hundred writes.
class BufferedPrinter : public RowSink {
 public:
  BufferedPrinter(const BufferedPrinter&) = delete;
  BufferedPrinter& operator=(const BufferedPrinter&) = delete;
  ~BufferedPrinter() override { write_buffer(); }
  void end(bool /*truncated*/) override {
    write_buffer();
    out_.flush();
  }

 protected:
  static constexpr std::size_t kWriteSize = std::size_t{64} * 1024;
  explicit BufferedPrinter(std::ostream& out) : out_(out) { buffer_.reserve(kWriteSize + kWriteSize / 4); }
  std::string& buffer() { return buffer_; }
  // After each row: writes a full buffer; false once the stream has failed (the reader then stops).
  bool row_done() {
    if (buffer_.size() >= kWriteSize) write_buffer();
    return static_cast<bool>(out_);
  }

 private:
  void write_buffer() {
    if (buffer_.empty()) return;
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }
  std::ostream& out_;
  std::string buffer_;
};

// CSV (Athena's quoting, `,`) and TSV (the Trino CLI's escaping, tab): a header line, then one line per row, a
// NULL as nothing between the separators.
class DelimitedPrinter final : public BufferedPrinter {
 public:
  using Append = void (*)(std::string& out, std::string_view text);
  DelimitedPrinter(std::ostream& out, char separator, Append append)
      : BufferedPrinter(out), separator_(separator), append_(append) {}
  void columns(std::vector<std::string> names, std::vector<std::string> /*types*/) override {
    auto& out = buffer();
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (i) out += separator_;
      append_(out, names[i]);
    }
    out += '\n';
  }
  bool row(ResultRow cells) override {
    auto& out = buffer();
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) out += separator_;
      if (cells[i]) append_(out, *cells[i]);
    }
    out += '\n';
    return row_done();
  }

 private:
  char separator_;
  Append append_;
};

class JsonLinesPrinter final : public BufferedPrinter {
 public:
  explicit JsonLinesPrinter(std::ostream& out) : BufferedPrinter(out) {}
  void columns(std::vector<std::string> names, std::vector<std::string> /*types*/) override {
    columns_ = std::move(names);
  }
  bool row(ResultRow cells) override {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      const auto& cell = i < cells.size() ? cells[i] : std::nullopt;
      object[columns_[i]] = cell ? nlohmann::ordered_json(*cell) : nlohmann::ordered_json(nullptr);
    }
    buffer() += object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    buffer() += '\n';
    return row_done();
  }

 private:
  std::vector<std::string> columns_;
};

// Aligned columns need every shown row's width first: the table keeps the rows it shows, and only those.
class TablePrinter final : public RowSink {
 public:
  explicit TablePrinter(std::ostream& out) : out_(out) {}
  void columns(std::vector<std::string> names, std::vector<std::string> /*types*/) override {
    table_.columns = std::move(names);
  }
  bool row(ResultRow cells) override {
    table_.rows.push_back(std::move(cells));
    return true;
  }
  void end(bool truncated) override {
    table_.truncated = truncated;
    print_results(table_, OutputFormat::Table, out_);
    out_.flush();
  }

 private:
  std::ostream& out_;
  ResultTable table_;
};

}  // namespace

std::unique_ptr<RowSink> make_result_printer(OutputFormat format, std::ostream& out) {
  switch (format) {
    case OutputFormat::Csv: return std::make_unique<DelimitedPrinter>(out, ',', append_csv_quoted);
    case OutputFormat::Tsv: return std::make_unique<DelimitedPrinter>(out, '\t', append_tsv_escaped);
    case OutputFormat::JsonLines: return std::make_unique<JsonLinesPrinter>(out);
    case OutputFormat::Table: break;
  }
  return std::make_unique<TablePrinter>(out);
}

Outcome<ResultTable> parse_athena_csv(std::string_view csv, std::size_t max_rows) {
  ResultTable table;
  TableSink sink(table);
  CsvReader reader(max_rows, sink);
  reader.feed(csv);
  auto finished = reader.finish();
  if (!finished) return std::move(finished).get_failure();
  return table;
}

Outcome<StreamedResult> stream_results(QueryEngine& engine, const athena::QueryExecution& execution,
                                       std::size_t max_rows, RowSink& sink) {
  // A DDL statement's result is a .txt of bare lines (SHOW TABLES), not a CSV with a header: its rows and
  // column names come from GetQueryResults, as PyAthena reads them.
  if (execution.statement_type.value_or("") != athena::kStatementTypeDdl) {
    CsvReader reader(max_rows, sink);
    bool received = false;
    auto streamed = engine.stream_result_csv(execution, 0, [&](std::string_view chunk) {
      received = true;
      return reader.feed(chunk);
    });
    if (streamed || streamed.get_failure().kind == ErrorKind::Aborted) return reader.finish();
    if (received) return streamed.get_failure();  // a partial CSV: not silently replaced by another source
  }
  return stream_query_results(engine, execution.query_execution_id, max_rows, sink);
}

Outcome<StreamedResult> stream_query_results(QueryEngine& engine, std::string_view query_execution_id,
                                             std::size_t max_rows, RowSink& sink) {
  // Page by page into the sink: one page in memory, whatever the result's size. One row more than shown
  // tells whether the result was cut.
  StreamedResult result;
  result.via = "GetQueryResults";
  bool first_page = true;
  auto paged =
      engine.results_pages(query_execution_id, max_rows == 0 ? 0 : max_rows + 1, [&](athena::QueryResultsTable& page) {
        if (first_page) {
          first_page = false;
          std::vector<std::string> names, types;
          for (const auto& column : page.columns) {
            names.push_back(column.label.value_or(column.name));
            types.push_back(column.type);
          }
          sink.columns(std::move(names), std::move(types));
        }
        for (auto& row : page.rows) {
          if (max_rows != 0 && result.rows >= max_rows) {
            result.truncated = true;
            return false;
          }
          ++result.rows;
          if (!sink.row(std::move(row.data))) return false;
        }
        return true;
      });
  if (!paged) return std::move(paged).get_failure();
  sink.end(result.truncated);
  return result;
}

Outcome<CsvPage> read_result_csv_page(QueryEngine& engine, const athena::QueryExecution& execution,
                                      std::uint64_t from_byte, std::size_t max_rows) {
  CsvPage page;
  ResultTable table;
  TableSink sink(table);
  CsvReader reader(max_rows, sink, /*header=*/false);
  auto streamed =
      engine.stream_result_csv(execution, from_byte, [&](std::string_view chunk) { return reader.feed(chunk); });
  if (!streamed && streamed.get_failure().kind != ErrorKind::Aborted) return streamed.get_failure();
  auto finished = reader.finish();
  if (!finished) return std::move(finished).get_failure();
  page.rows = std::move(table.rows);
  page.more = finished->truncated;
  page.next = from_byte + reader.rows_end();
  return page;
}

Outcome<ResultTable> fetch_result_csv(QueryEngine& engine, const athena::QueryExecution& execution,
                                      std::size_t max_rows) {
  ResultTable table;
  TableSink sink(table);
  CsvReader reader(max_rows, sink);
  auto streamed = engine.stream_result_csv(execution, 0, [&](std::string_view chunk) { return reader.feed(chunk); });
  if (!streamed && streamed.get_failure().kind != ErrorKind::Aborted) return streamed.get_failure();
  auto finished = reader.finish();
  if (!finished) return std::move(finished).get_failure();
  return table;
}

Outcome<ResultTable> fetch_results(QueryEngine& engine, const athena::QueryExecution& execution, std::size_t max_rows,
                                   std::string* via) {
  ResultTable table;
  TableSink sink(table);
  auto streamed = stream_results(engine, execution, max_rows, sink);
  if (!streamed) return std::move(streamed).get_failure();
  if (via) *via = streamed->via;
  return table;
}

void print_results(const ResultTable& table, OutputFormat format, std::ostream& out) {
  if (format != OutputFormat::Table) {
    auto printer = make_result_printer(format, out);
    printer->columns(table.columns, table.types);
    for (const auto& row : table.rows)
      if (!printer->row(row)) break;
    printer->end(table.truncated);
    return;
  }
  std::vector<std::size_t> widths;
  for (const auto& column : table.columns) widths.push_back(display_width(one_line(column)));
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(one_line(cell_text(row[i]))));
    }
  }
  auto print_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) line += " | ";
      line += i + 1 == cells.size() ? one_line(cells[i]) : pad(one_line(cells[i]), widths[i]);
    }
    out << line << "\n";
  };
  print_line(table.columns);
  std::string rule;
  for (std::size_t i = 0; i < widths.size(); ++i) rule += (i ? "-+-" : "") + std::string(widths[i], '-');
  out << rule << "\n";
  for (const auto& row : table.rows) {
    std::vector<std::string> cells;
    for (std::size_t i = 0; i < table.columns.size(); ++i) cells.push_back(i < row.size() ? cell_text(row[i]) : "");
    print_line(cells);
  }
  out << "(" << table.rows.size() << (table.rows.size() == 1 ? " row" : " rows")
      << (table.truncated ? ", more not shown" : "") << ")\n";
}

void print_summary(const RunSummary& summary, std::ostream& out) {
  std::vector<std::pair<std::string, std::string>> lines;
  lines.emplace_back("query", summary.name);
  lines.emplace_back("execution id", summary.query_execution_id.empty() ? "-" : summary.query_execution_id);
  lines.emplace_back("state", std::string(to_string(summary.state)));
  if (!summary.reason.empty()) lines.emplace_back("reason", summary.reason);
  if (summary.error_category || summary.error_type) {
    static constexpr const char* kCategories[] = {"", "system", "user", "other"};
    std::string text;
    if (summary.error_category) {
      int category = *summary.error_category;
      text = std::to_string(category);
      if (category >= 1 && category <= 3) text += std::string(" (") + kCategories[category] + ")";
    }
    if (summary.error_type) text += (text.empty() ? "type " : ", type ") + std::to_string(*summary.error_type);
    lines.emplace_back("error", text);
  }
  if (summary.timed_out) lines.emplace_back("gave up", summary.stopped ? "yes, query stopped" : "yes, not stopped");
  if (summary.attempts > 1) lines.emplace_back("attempts", std::to_string(summary.attempts));
  if (!summary.output_location.empty()) lines.emplace_back("output", summary.output_location);
  lines.emplace_back("data scanned", bytes_text(summary.data_scanned_bytes));
  {
    std::ostringstream cost;
    cost << "USD " << std::fixed << std::setprecision(6) << summary.estimated_cost_usd;
    if (summary.reused_previous_result) cost << " (reused a previous result)";
    lines.emplace_back("estimated cost", cost.str());
  }
  lines.emplace_back("engine time", millis_text(summary.engine_time));
  lines.emplace_back("queue time", millis_text(summary.queue_time));
  lines.emplace_back("planning time", millis_text(summary.planning_time));
  lines.emplace_back("total time", millis_text(summary.total_time));
  for (const auto& delivery : summary.deliveries) {
    for (const auto& object : delivery.objects)
      lines.emplace_back("delivered", object + (delivery.kept ? " (kept: overwrite keep)" : ""));
  }
  if (summary.delivery_failure) lines.emplace_back("delivery", "FAILED: " + summary.delivery_failure->message);
  lines.emplace_back("wall time", millis_text(summary.wall_time) + " (" + std::to_string(summary.polls) +
                                      (summary.polls == 1 ? " poll)" : " polls)"));
  std::size_t width = 0;
  for (const auto& [key, value] : lines) width = std::max(width, key.size());
  for (const auto& [key, value] : lines) {
    // Continuation lines of a multi-line value (an engine's error with a caret line) stay in the value column.
    std::string indented;
    for (char c : value) {
      indented += c;
      if (c == '\n') indented += std::string(width + 2, ' ');
    }
    out << pad(key + ":", width + 1) << " " << indented << "\n";
  }
}

std::string summary_json(const RunSummary& summary) {
  nlohmann::ordered_json json;
  json["name"] = summary.name;
  json["query_execution_id"] = summary.query_execution_id;
  json["state"] = std::string(to_string(summary.state));
  json["reason"] = summary.reason;
  json["error_category"] = summary.error_category ? nlohmann::ordered_json(*summary.error_category) : nullptr;
  json["error_type"] = summary.error_type ? nlohmann::ordered_json(*summary.error_type) : nullptr;
  json["timed_out"] = summary.timed_out;
  json["stopped"] = summary.stopped;
  json["attempts"] = summary.attempts;
  json["polls"] = summary.polls;
  json["scheduled_time"] = spec::format_utc(summary.rendered.scheduled_time);
  json["client_request_token"] = summary.rendered.client_request_token;
  json["workgroup"] = summary.rendered.workgroup;
  json["database"] = summary.rendered.database;
  json["output_location"] = summary.output_location;
  json["data_scanned_bytes"] = summary.data_scanned_bytes;
  json["engine_execution_time_ms"] = summary.engine_time.count();
  json["queue_time_ms"] = summary.queue_time.count();
  json["planning_time_ms"] = summary.planning_time.count();
  json["total_execution_time_ms"] = summary.total_time.count();
  json["wall_time_ms"] = summary.wall_time.count();
  json["reused_previous_result"] = summary.reused_previous_result;
  json["estimated_cost_usd"] = summary.estimated_cost_usd;
  if (!summary.deliveries.empty())
    json["deliveries"] = nlohmann::ordered_json::parse(deliveries_json(summary.deliveries));
  if (summary.delivery_failure) json["delivery_error"] = summary.delivery_failure->message;
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace athena_runner::runner
