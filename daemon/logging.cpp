#include "daemon/logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace sluice {

spdlog::level::level_enum to_spdlog_level(LogLevel level) {
    switch (level) {
        case LogLevel::kTrace:
            return spdlog::level::trace;
        case LogLevel::kDebug:
            return spdlog::level::debug;
        case LogLevel::kInfo:
            return spdlog::level::info;
        case LogLevel::kWarn:
            return spdlog::level::warn;
        case LogLevel::kError:
            return spdlog::level::err;
    }
    return spdlog::level::info;
}

bool running_under_journal() {
    // JOURNAL_STREAM is "DEV:INODE" of the stream systemd connected; it only counts if stderr
    // is still that stream (not redirected by a wrapper).
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) {
        return false;
    }
    struct stat status {};
    if (::fstat(STDERR_FILENO, &status) != 0) {
        return false;
    }
    const std::string expected =
        std::to_string(status.st_dev) + ":" + std::to_string(status.st_ino);
    return expected == stream;
}

bool logs_to_journal(LogTarget target) {
    return target == LogTarget::kJournal || (target == LogTarget::kAuto && running_under_journal());
}

std::shared_ptr<spdlog::logger> make_logger(LogTarget target, LogLevel level) {
    std::shared_ptr<spdlog::logger> logger;
    if (logs_to_journal(target)) {
        logger = std::make_shared<spdlog::logger>(
            "sluiced", std::make_shared<spdlog::sinks::systemd_sink_st>("sluiced"));
        logger->set_pattern("%v");
    } else {
        logger = std::make_shared<spdlog::logger>(
            "sluiced", std::make_shared<spdlog::sinks::stderr_sink_st>());
        logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    }
    logger->set_level(to_spdlog_level(level));
    logger->flush_on(spdlog::level::trace);
    return logger;
}

}  // namespace sluice
