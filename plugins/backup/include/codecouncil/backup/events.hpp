#pragma once
// backup's events: the topics the backup plugin declares (only backup may publish them) and
// their payload fields. Part of backup's contract (CodeCouncil::backup_contract, header-only):
// subscribers name the topics through these constants, not literals, without depending on the
// plugin. Runs are journaled first and published from the journal, so each follows its
// committed record.
#include <codecouncil/sdk/events.hpp>

namespace cc::backup::topics {

inline const TopicSpec kBackupSucceeded{
    "backup_succeeded",
    {{"file", FieldType::String, true}, {"bytes", FieldType::Integer, true},
     {"durationSeconds", FieldType::Number, true}, {"engine", FieldType::String, true}},
    "a backup file was written and verified",
    Severity::Info, EventResource{"backup", "file"}};

inline const TopicSpec kBackupFailed{
    "backup_failed",
    {{"error", FieldType::String, true}, {"engine", FieldType::String, true}},
    "a backup run failed",
    Severity::Critical, EventResource{"backup", ""}};

inline const TopicSpec kRestoreDrillSucceeded{
    "backup_restore_drill_succeeded",
    {{"file", FieldType::String, true}, {"durationSeconds", FieldType::Number, true}, {"source", FieldType::String, true}},
    "the restore drill restored the newest backup into the scratch database and it matched its manifest and sentinel",
    Severity::Info, EventResource{"backup", "file"}};

inline const TopicSpec kRestoreDrillFailed{
    "backup_restore_drill_failed",
    {{"file", FieldType::String, true}, {"error", FieldType::String, true}, {"source", FieldType::String, true}},
    "the restore drill could not restore the newest backup, or the restored copy differs from its manifest or "
    "sentinel (file is empty when there was no backup)",
    Severity::Critical, EventResource{"backup", "file"}};

}  // namespace cc::backup::topics
