// Results: Athena's result CSV (streamed and parsed incrementally), the GetQueryResults fallback, and
// the printers for results and summaries.
#include <algorithm>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

#include "athena_runner/runner/runner.hpp"

namespace athena_runner::runner {

namespace {

// RFC 4180 reader fed in chunks. Athena quotes every value, so an unquoted empty field is NULL and a
// quoted empty field is the empty string. Rows end with "\n" (a "\r\n" is accepted too).
class CsvReader {
 public:
  explicit CsvReader(std::size_t max_rows) : max_rows_(max_rows) {}

  // False once max_rows data rows are complete and one more row has started (table truncated), or on
  // a malformed input (see error()).
  bool feed(std::string_view chunk) {
    for (char c : chunk) {
      if (!step(c)) return false;
    }
    return true;
  }

  Outcome<ResultTable> finish() {
    if (!error_.empty()) return malformed();
    if (in_quotes_ && quote_pending_) in_quotes_ = false;  // the file ends right after a closing quote
    if (in_quotes_) {
      error_ = "a quoted field is not closed at the end of the file";
      return malformed();
    }
    if (!table_.truncated && (field_started_ || !row_.empty())) end_row();
    if (!error_.empty()) return malformed();
    return std::move(table_);
  }

 private:
  Outcome<ResultTable> malformed() const {
    return make_error(ErrorKind::InvalidInput, "MalformedResultCsv",
                      "the result CSV is malformed at line " + std::to_string(line_) + ": " + error_);
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
    if (quoted_) {
      row_.emplace_back(std::move(field_));
    } else if (field_.empty()) {
      row_.emplace_back(std::nullopt);
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
      for (auto& cell : row_) table_.columns.push_back(cell.value_or(""));
      header_done_ = true;
    } else if (max_rows_ != 0 && table_.rows.size() >= max_rows_) {
      table_.truncated = true;
      stopped_ = true;
    } else {
      table_.rows.push_back(std::move(row_));
    }
    row_.clear();
  }

  std::size_t max_rows_;
  ResultTable table_;
  std::vector<std::optional<std::string>> row_;
  std::string field_;
  std::string error_;
  bool in_quotes_ = false, quote_pending_ = false, quoted_ = false, after_quoted_ = false;
  bool field_started_ = false, header_done_ = false, stopped_ = false;
  int line_ = 1;
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

std::string csv_quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
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

Outcome<ResultTable> parse_athena_csv(std::string_view csv, std::size_t max_rows) {
  CsvReader reader(max_rows);
  reader.feed(csv);
  return reader.finish();
}

Outcome<ResultTable> fetch_results(QueryEngine& engine, const athena::QueryExecution& execution, std::size_t max_rows,
                                   std::string* via) {
  CsvReader reader(max_rows);
  bool received = false;
  auto streamed = engine.stream_result_csv(execution, [&](std::string_view chunk) {
    received = true;
    return reader.feed(chunk);
  });
  if (streamed || streamed.get_failure().kind == ErrorKind::Aborted) {
    auto table = reader.finish();
    if (table && via) *via = "csv";
    return table;
  }
  if (received) return streamed.get_failure();  // a partial CSV: not silently replaced by another source
  auto results = engine.results(execution.query_execution_id, max_rows == 0 ? 0 : max_rows + 1);
  if (!results) return std::move(results).get_failure();
  ResultTable table;
  for (const auto& column : results->columns) {
    table.columns.push_back(column.label.value_or(column.name));
    table.types.push_back(column.type);
  }
  for (auto& row : results->rows) {
    if (max_rows != 0 && table.rows.size() >= max_rows) {
      table.truncated = true;
      break;
    }
    table.rows.push_back(std::move(row.data));
  }
  if (via) *via = "GetQueryResults";
  return table;
}

void print_results(const ResultTable& table, OutputFormat format, std::ostream& out) {
  switch (format) {
    case OutputFormat::Csv: {
      for (std::size_t i = 0; i < table.columns.size(); ++i) out << (i ? "," : "") << csv_quote(table.columns[i]);
      out << "\n";
      for (const auto& row : table.rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
          if (i) out << ",";
          if (row[i]) out << csv_quote(*row[i]);
        }
        out << "\n";
      }
      return;
    }
    case OutputFormat::JsonLines: {
      for (const auto& row : table.rows) {
        nlohmann::ordered_json object = nlohmann::ordered_json::object();
        for (std::size_t i = 0; i < table.columns.size(); ++i) {
          const auto& cell = i < row.size() ? row[i] : std::nullopt;
          object[table.columns[i]] = cell ? nlohmann::ordered_json(*cell) : nlohmann::ordered_json(nullptr);
        }
        out << object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      }
      return;
    }
    case OutputFormat::Table: {
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
      return;
    }
  }
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
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace athena_runner::runner
