#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/clock.hpp"
#include "daemon/journal_writer.hpp"
#include "daemon/rate_limiter.hpp"
#include "daemon/verdict_pipeline.hpp"

namespace sluice {

// MESSAGE_ID of decision entries in the journal: `journalctl MESSAGE_ID=...` lists them all.
inline constexpr std::string_view kDecisionMessageId = "41596fe006ea43efbcfded20af098b41";

// Reports each decision: one line ("allow out tcp 10.0.0.1:40000 -> 10.0.0.2:80 uid=0 pid=812
// exe=/usr/bin/curl rule=web (rule)") at info for fresh decisions, debug for ones answered from
// the flow cache, which would otherwise repeat every retransmission. With a JournalWriter each
// decision is a journal entry carrying that line as MESSAGE plus SLUICE_ACTION, SLUICE_REASON,
// SLUICE_DIRECTION, SLUICE_PROTOCOL, SLUICE_SRC, SLUICE_DST (source and destination
// "address:port" as the connection was opened), SLUICE_HOST, SLUICE_UID, SLUICE_PID,
// SLUICE_EXE and SLUICE_RULE (each only when known). Without one the line goes to the logger.
//
// A token bucket bounds the lines per second so a connection flood cannot flood the log; the
// lines it holds back are counted and reported as "N decision lines suppressed by the rate
// limit" before the next line that passes, and by flush_suppressed(). Runs on the queue thread.
class DecisionLog final : public DecisionListener {
  public:
    struct Counters {
        std::uint64_t logged = 0;
        std::uint64_t suppressed = 0;      // held back by the rate limit, ever
        std::uint64_t journal_errors = 0;  // entries journald did not take
    };

    DecisionLog(std::shared_ptr<spdlog::logger> logger, const Clock& clock,
                std::unique_ptr<JournalWriter> journal = nullptr, RateLimiter::Limits limits = {});

    void on_decision(const DecisionRecord& record) override;
    // Reports lines suppressed since the last report, if any (stats requests and stop call it).
    void flush_suppressed();
    [[nodiscard]] const Counters& counters() const { return counters_; }

  private:
    void write(spdlog::level::level_enum level, const DecisionRecord& record);

    std::shared_ptr<spdlog::logger> logger_;
    const Clock& clock_;
    std::unique_ptr<JournalWriter> journal_;
    RateLimiter limiter_;
    std::uint64_t unreported_suppressed_ = 0;
    Counters counters_;
};

std::string_view to_string(MarkDecision decision);

// The text of a decision line, as logged and as the journal entry's MESSAGE.
std::string decision_line(const DecisionRecord& record);
// The journal fields of a decision entry, MESSAGE first, in the order DecisionLog documents.
std::vector<std::string> decision_journal_fields(const DecisionRecord& record, int priority);

}  // namespace sluice
