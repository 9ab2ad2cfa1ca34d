// Dependents: the after graph, run round by round for each slot (runner.hpp, run_dependents).
#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "athena_runner/runner/runner.hpp"
#include "athena_runner/spec/schedule.hpp"

namespace athena_runner::runner {

bool DependentsReport::all_succeeded() const {
  return not_started.empty() && std::all_of(runs.begin(), runs.end(), [](const RunSummary& run) { return run.done(); });
}

DependentsReport run_dependents(Runner& runner, const std::vector<spec::ResolvedQuery>& graph,
                                const std::vector<SlotOutcome>& upstream, int concurrency, const RunOptions& options,
                                const HoldCheck& hold) {
  using Key = std::pair<std::string, spec::Instant>;
  std::map<Key, bool> ran;  // (query, slot) → succeeded
  std::set<spec::Instant> slots;
  for (const auto& run : upstream) {
    ran[{run.name, run.scheduled_time}] = run.succeeded;
    slots.insert(run.scheduled_time);
  }
  auto succeeded = [&](const std::string& name, spec::Instant slot) {
    auto found = ran.find({name, slot});
    return found != ran.end() && found->second;
  };

  DependentsReport report;
  while (true) {
    std::vector<spec::RenderedQuery> ready;
    for (auto slot : slots) {
      for (const auto& query : graph) {
        if (query.after.empty() || ran.count({query.name, slot})) continue;
        if (!std::all_of(query.after.begin(), query.after.end(),
                         [&](const std::string& name) { return succeeded(name, slot); }))
          continue;
        auto rendered = spec::render_query(query, slot);
        if (!rendered) {
          RunSummary summary;
          summary.name = query.name;
          summary.rendered.name = query.name;
          summary.rendered.scheduled_time = slot;
          summary.reason = rendered.get_failure().to_string();
          ran[{query.name, slot}] = false;
          report.runs.push_back(std::move(summary));
          continue;
        }
        if (hold) {
          if (auto held = hold(*rendered)) {
            ran[{query.name, slot}] = false;
            report.runs.push_back(std::move(*held));
            continue;
          }
        }
        ready.push_back(std::move(rendered).get_result());
      }
    }
    if (ready.empty()) break;
    auto outcomes = runner.run_many(ready, concurrency, options);
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      RunSummary summary;
      if (outcomes[i]) {
        summary = std::move(outcomes[i]).get_result();
      } else {
        summary.name = ready[i].name;
        summary.rendered = ready[i];
        summary.reason = outcomes[i].get_failure().to_string();
      }
      ran[{ready[i].name, ready[i].scheduled_time}] = summary.done();
      report.runs.push_back(std::move(summary));
    }
  }

  // What was left: a query of the graph that runs after something that ran for the slot (directly or not),
  // and did not run itself because one of its upstream queries did not succeed.
  for (auto slot : slots) {
    std::set<std::string> reached;
    for (const auto& [key, ok] : ran)
      if (key.second == slot) reached.insert(key.first);
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& query : graph) {
        if (reached.count(query.name)) continue;
        if (std::any_of(query.after.begin(), query.after.end(),
                        [&](const std::string& name) { return reached.count(name) > 0; })) {
          reached.insert(query.name);
          grew = true;
        }
      }
    }
    for (const auto& query : graph) {
      if (!reached.count(query.name) || ran.count({query.name, slot})) continue;
      const auto blocking = std::find_if(query.after.begin(), query.after.end(),
                                         [&](const std::string& name) { return !succeeded(name, slot); });
      report.not_started.push_back(query.name + " for " + spec::format_utc(slot) + ": " +
                                   (blocking == query.after.end() ? std::string("?") : *blocking) + " did not succeed");
    }
  }
  return report;
}

}  // namespace athena_runner::runner
