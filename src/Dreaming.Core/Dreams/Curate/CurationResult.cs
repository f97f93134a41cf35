namespace Dreaming;

/// <summary>The insights of the next memory version and every change that led to them, with its reason.</summary>
/// <param name="Insights">The full set for the next version: every insight of the current one (updated, retired or kept) and the new ones.</param>
/// <param name="Changes">Each change, in order.</param>
public sealed record CurationResult(IReadOnlyList<Insight> Insights, IReadOnlyList<DreamChange> Changes);
