namespace Dreaming;

/// <summary>What the memory guard decided about a candidate lesson.</summary>
/// <param name="Quarantine">Whether the candidate must be quarantined instead of activated.</param>
/// <param name="Reason">Why, naming the pattern and where it was found; <see langword="null"/> when the candidate is clean.</param>
public sealed record GuardVerdict(bool Quarantine, string? Reason)
{
    /// <summary>Gets the verdict of a clean candidate.</summary>
    public static GuardVerdict Clean { get; } = new(false, null);
}
