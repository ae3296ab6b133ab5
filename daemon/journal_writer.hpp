#pragma once

#include <span>
#include <string>

#include "daemon/base/result.hpp"

namespace sluice {

// Sends structured entries to the systemd journal; an interface so that the decision log is
// tested without journald. Called on the queue thread: send() writes one datagram to
// journald's socket and does not wait for an answer.
class JournalWriter {
  public:
    JournalWriter() = default;
    virtual ~JournalWriter() = default;
    JournalWriter(const JournalWriter&) = delete;
    JournalWriter& operator=(const JournalWriter&) = delete;
    JournalWriter(JournalWriter&&) = delete;
    JournalWriter& operator=(JournalWriter&&) = delete;

    // One entry of "FIELD=value" items (MESSAGE=..., PRIORITY=6, SLUICE_DST=...). Field names
    // are upper case letters, digits and underscores; values may hold any byte. An Error when
    // journald did not take the entry (not running, socket buffer full).
    virtual Result<void> send(std::span<const std::string> fields) = 0;
};

// sd_journal_sendv(3) to /run/systemd/journal/socket.
class SdJournalWriter final : public JournalWriter {
  public:
    Result<void> send(std::span<const std::string> fields) override;
};

}  // namespace sluice
