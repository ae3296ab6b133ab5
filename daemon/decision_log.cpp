#include "daemon/decision_log.hpp"

#include <fmt/format.h>
#include <syslog.h>

namespace sluice {

namespace {

std::string endpoint(const IpAddress& address, std::uint16_t port) {
    if (address.is_v4()) {
        return fmt::format("{}:{}", address.to_string(), port);
    }
    return fmt::format("[{}]:{}", address.to_string(), port);
}

template <typename T>
std::string optional_text(const std::optional<T>& value) {
    return value ? std::to_string(*value) : std::string("?");
}

int syslog_priority(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
        case spdlog::level::debug:
            return LOG_DEBUG;
        case spdlog::level::info:
            return LOG_INFO;
        case spdlog::level::warn:
            return LOG_WARNING;
        default:
            return LOG_ERR;
    }
}

}  // namespace

std::string_view to_string(MarkDecision decision) {
    switch (decision) {
        case MarkDecision::kUndecided:
            return "undecided";
        case MarkDecision::kAllow:
            return "allow";
        case MarkDecision::kDeny:
            return "deny";
        case MarkDecision::kReject:
            return "reject";
        case MarkDecision::kAllowDisabled:
            return "allow-disabled";
    }
    return "?";
}

std::string decision_line(const DecisionRecord& record) {
    const Connection& c = record.connection;
    if (record.reason == DecisionReason::kUnparsable) {
        return fmt::format("{} {} packet with unreadable headers ({})", to_string(record.decision),
                           to_string(c.direction), to_string(record.reason));
    }
    return fmt::format("{} {} {} {} -> {} uid={} pid={} exe={} rule={} ({})",
                       to_string(record.decision), to_string(c.direction), to_string(c.protocol),
                       endpoint(c.local_address, c.local_port),
                       endpoint(c.remote_address, c.remote_port), optional_text(c.uid),
                       optional_text(c.pid), c.exe.empty() ? "?" : c.exe,
                       record.rule_id.empty() ? "-" : record.rule_id, to_string(record.reason));
}

std::vector<std::string> decision_journal_fields(const DecisionRecord& record, int priority) {
    const Connection& c = record.connection;
    std::vector<std::string> fields{
        "MESSAGE=" + decision_line(record),
        fmt::format("PRIORITY={}", priority),
        "SYSLOG_IDENTIFIER=sluiced",
        fmt::format("MESSAGE_ID={}", kDecisionMessageId),
        fmt::format("SLUICE_ACTION={}", to_string(record.decision)),
        fmt::format("SLUICE_REASON={}", to_string(record.reason)),
    };
    if (record.reason == DecisionReason::kUnparsable) {
        return fields;
    }
    fields.push_back(fmt::format("SLUICE_DIRECTION={}", to_string(c.direction)));
    fields.push_back(fmt::format("SLUICE_PROTOCOL={}", to_string(c.protocol)));
    const std::string local = endpoint(c.local_address, c.local_port);
    const std::string remote = endpoint(c.remote_address, c.remote_port);
    const bool outbound = c.direction == Direction::kOut;
    fields.push_back("SLUICE_SRC=" + (outbound ? local : remote));
    fields.push_back("SLUICE_DST=" + (outbound ? remote : local));
    if (!c.host_names.empty()) {
        fields.push_back(fmt::format("SLUICE_HOST={}", fmt::join(c.host_names, " ")));
    }
    if (c.uid) {
        fields.push_back(fmt::format("SLUICE_UID={}", *c.uid));
    }
    if (c.pid) {
        fields.push_back(fmt::format("SLUICE_PID={}", *c.pid));
    }
    if (!c.exe.empty()) {
        fields.push_back("SLUICE_EXE=" + c.exe);
    }
    if (!record.rule_id.empty()) {
        fields.push_back(fmt::format("SLUICE_RULE={}", record.rule_id));
    }
    return fields;
}

DecisionLog::DecisionLog(std::shared_ptr<spdlog::logger> logger, const Clock& clock,
                         std::unique_ptr<JournalWriter> journal, RateLimiter::Limits limits)
    : logger_(std::move(logger)),
      clock_(clock),
      journal_(std::move(journal)),
      limiter_(limits, clock.steady_now()) {}

void DecisionLog::on_decision(const DecisionRecord& record) {
    const auto level =
        record.reason == DecisionReason::kFlowCache ? spdlog::level::debug : spdlog::level::info;
    if (!logger_->should_log(level)) {
        return;
    }
    if (!limiter_.allow(clock_.steady_now())) {
        ++unreported_suppressed_;
        ++counters_.suppressed;
        return;
    }
    flush_suppressed();
    write(level, record);
}

void DecisionLog::write(spdlog::level::level_enum level, const DecisionRecord& record) {
    ++counters_.logged;
    if (!journal_) {
        logger_->log(level, "{}", decision_line(record));
        return;
    }
    const auto fields = decision_journal_fields(record, syslog_priority(level));
    if (auto sent = journal_->send(fields); !sent) {
        ++counters_.journal_errors;
    }
}

void DecisionLog::flush_suppressed() {
    if (unreported_suppressed_ == 0) {
        return;
    }
    logger_->warn("{} decision lines suppressed by the rate limit", unreported_suppressed_);
    unreported_suppressed_ = 0;
}

}  // namespace sluice
