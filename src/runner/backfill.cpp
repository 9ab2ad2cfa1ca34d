// Backfill: one run per fire time in [from, to), resumable through a journal of the slots that succeeded.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "athena_runner/base/files.hpp"
#include "athena_runner/runner/runner.hpp"
#include "athena_runner/spec/schedule.hpp"

namespace athena_runner::runner {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr int kJournalVersion = 1;

struct JournalEntry {
  std::string query_execution_id;
  std::string client_request_token;
};

struct Journal {
  std::string path;
  std::string query;
  std::string from, to;
  std::map<std::string, JournalEntry> succeeded;  // by slot (format_utc)
};

Error journal_error(const std::string& path, const std::string& problem) {
  return make_error(ErrorKind::InvalidInput, "InvalidBackfillJournal",
                    "backfill journal " + path + ": " + problem + "; fix or remove the file to run every slot again");
}

Outcome<Journal> load_journal(const std::string& path, const std::string& query_name) {
  Journal journal;
  journal.path = path;
  std::error_code ignored;
  if (path.empty() || !fs::exists(path, ignored)) return journal;
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  Json json = Json::parse(text.str(), nullptr, false);
  if (json.is_discarded() || !json.is_object()) return journal_error(path, "not a JSON object");
  if (json.value("version", 0) != kJournalVersion) {
    return journal_error(path, "unknown version (expected " + std::to_string(kJournalVersion) + ")");
  }
  if (json.value("query", std::string()) != query_name) {
    return journal_error(
        path, "written for query \"" + json.value("query", std::string()) + "\", not \"" + query_name + "\"");
  }
  auto succeeded = json.find("succeeded");
  if (succeeded != json.end()) {
    if (!succeeded->is_object()) return journal_error(path, "\"succeeded\" is not an object");
    for (auto it = succeeded->begin(); it != succeeded->end(); ++it) {
      if (!it.value().is_object()) return journal_error(path, "entry " + it.key() + " is not an object");
      journal.succeeded[it.key()] = JournalEntry{it.value().value("query_execution_id", std::string()),
                                                 it.value().value("client_request_token", std::string())};
    }
  }
  return journal;
}

// Replaced whole (files::write_file_atomically): a crash leaves the old journal or the new one, never half.
Status save_journal(const Journal& journal) {
  if (journal.path.empty()) return Ok{};
  Json json;
  json["version"] = kJournalVersion;
  json["query"] = journal.query;
  json["from"] = journal.from;
  json["to"] = journal.to;
  Json succeeded = Json::object();
  for (const auto& [slot, entry] : journal.succeeded) {
    succeeded[slot] =
        Json{{"query_execution_id", entry.query_execution_id}, {"client_request_token", entry.client_request_token}};
  }
  json["succeeded"] = succeeded;
  auto written =
      files::write_file_atomically(journal.path, json.dump(2) + "\n", {.durable = false, .create_parents = true});
  if (!written) {
    return make_error(ErrorKind::Configuration, "JournalNotWritable",
                      "cannot write the backfill journal (" + written.get_failure().message +
                          "): check that its folder is writable or pass another journal path");
  }
  return Ok{};
}

}  // namespace

Outcome<BackfillReport> backfill(Runner& runner, const spec::ResolvedQuery& query, const BackfillOptions& options) {
  if (!query.schedule) {
    return make_error(ErrorKind::InvalidInput, "NoSchedule",
                      "query " + query.name + " has no schedule to backfill: add a schedule to it");
  }
  auto schedule = spec::parse_schedule(*query.schedule);
  if (!schedule) return std::move(schedule).get_failure();
  auto slots = spec::fire_times(*schedule, query.timezone, options.from, options.to);
  if (!slots) return std::move(slots).get_failure();

  auto journal = load_journal(options.journal_path, query.name);
  if (!journal) return std::move(journal).get_failure();
  journal->query = query.name;
  journal->from = spec::format_utc(options.from);
  journal->to = spec::format_utc(options.to);

  BackfillReport report;
  report.total = slots->size();
  std::vector<spec::RenderedQuery> pending;
  for (auto slot : *slots) {
    if (journal->succeeded.count(spec::format_utc(slot))) {
      ++report.skipped;
      report.skipped_slots.push_back(slot);
      continue;
    }
    auto rendered = spec::render_query(query, slot, 0);
    if (!rendered) return std::move(rendered).get_failure();
    pending.push_back(std::move(*rendered));
  }
  // Fails before anything starts when the journal cannot be written.
  if (auto saved = save_journal(*journal); !saved) return std::move(saved).get_failure();

  std::size_t done = report.skipped;
  std::optional<Error> journal_failure;
  auto on_finished = [&](std::size_t index, const Outcome<RunSummary>& outcome) {
    ++done;
    RunSummary summary;
    if (outcome) {
      summary = *outcome;
    } else {
      summary.name = query.name;
      summary.rendered = pending[index];
      summary.state = RunState::NotStarted;
      summary.reason = outcome.get_failure().to_string();
    }
    // A slot whose delivery failed is not journaled: the next backfill runs it again (the same execution from
    // its token) and delivers it.
    if (summary.done()) {
      journal->succeeded[spec::format_utc(summary.rendered.scheduled_time)] =
          JournalEntry{summary.query_execution_id, summary.rendered.client_request_token};
      if (auto saved = save_journal(*journal); !saved && !journal_failure) journal_failure = saved.get_failure();
    }
    if (options.on_progress) options.on_progress(done, report.total, summary);
  };
  auto outcomes = runner.run_many(pending, options.concurrency, options.run, on_finished);
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    RunSummary summary;
    if (outcomes[i]) {
      summary = std::move(*outcomes[i]);
    } else {
      summary.name = query.name;
      summary.rendered = pending[i];
      summary.state = RunState::NotStarted;
      summary.reason = outcomes[i].get_failure().to_string();
    }
    if (summary.done()) {
      ++report.succeeded;
    } else {
      ++report.failed;
    }
    report.runs.push_back(std::move(summary));
  }
  if (journal_failure) return *journal_failure;
  return report;
}

}  // namespace athena_runner::runner
