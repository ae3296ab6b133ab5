#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/base/fd.hpp"
#include "daemon/event_loop.hpp"

namespace sluice {

class RuleService;

// Rules that live shorter than the state file keeps them (spec/rules.md `scope`): a `process`
// rule goes when its process exits, watched with a pidfd (readable once the process is gone,
// Linux 5.3+); `session` and `until-restart` rules, and process rules of an earlier run whose
// pid may name another process by now, go when the daemon starts. Queue thread only.
class ScopedRules {
  public:
    // `removed` is told the id of every rule taken out (for the RuleRemoved signal).
    ScopedRules(RuleService& rules, std::string state_path, EventLoop& loop,
                std::shared_ptr<spdlog::logger> logger,
                std::function<void(const std::string&)> removed);
    ~ScopedRules();
    ScopedRules(const ScopedRules&) = delete;
    ScopedRules& operator=(const ScopedRules&) = delete;

    // At start: removes every state rule of scope session, until-restart or process.
    void drop_stale();
    // Watches the process of every process rule not watched yet and forgets processes whose
    // rules are gone. Call after every rule change. Never removes a rule itself: a process
    // found gone already is removed on the next loop turn (removing here would re-enter the
    // rule service from its own change callback).
    void watch_processes();

  private:
    void remove_rules_of(std::uint32_t pid);
    void on_deferred();

    RuleService& rules_;
    std::string state_path_;
    EventLoop& loop_;
    std::shared_ptr<spdlog::logger> logger_;
    std::function<void(const std::string&)> removed_;
    std::unordered_map<std::uint32_t, Fd> watched_;
    std::vector<std::uint32_t> gone_;
    Fd deferred_;
};

}  // namespace sluice
