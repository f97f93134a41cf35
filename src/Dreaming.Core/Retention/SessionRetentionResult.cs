namespace Dreaming;

/// <summary>What one run of the <see cref="SessionRetention"/> job did.</summary>
/// <param name="CutOff">The sessions that started before this instant were purged (ended ones only).</param>
/// <param name="Purged">How many sessions were purged.</param>
/// <param name="Abandoned">How many running sessions were ended as abandoned first
/// (<see cref="SessionRetentionOptions.AbandonRunningAfter"/>).</param>
/// <param name="HeldBy">The id of the unread session that held the cut-off back from <see cref="SessionRetentionOptions.MaxAge"/>
/// (<see cref="SessionRetentionOptions.KeepUnreadSessions"/>), or <see langword="null"/> when none did.</param>
/// <param name="HeldFor">The memory scope whose dreams have not read <paramref name="HeldBy"/>, or <see langword="null"/>.</param>
public sealed record SessionRetentionResult(DateTimeOffset CutOff, int Purged, int Abandoned, string? HeldBy, MemoryScope? HeldFor);
