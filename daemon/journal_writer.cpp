#include "daemon/journal_writer.hpp"

#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include <vector>

namespace sluice {

Result<void> SdJournalWriter::send(std::span<const std::string> fields) {
    std::vector<iovec> items;
    items.reserve(fields.size());
    for (const auto& field : fields) {
        // sd_journal_sendv only reads the buffers.
        items.push_back(iovec{const_cast<char*>(field.data()), field.size()});
    }
    const int sent = sd_journal_sendv(items.data(), static_cast<int>(items.size()));
    if (sent < 0) {
        return Error{"cannot send a journal entry", -sent};
    }
    return {};
}

}  // namespace sluice
