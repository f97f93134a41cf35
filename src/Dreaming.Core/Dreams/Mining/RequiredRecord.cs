namespace Dreaming;

/// <summary>What a rubric criterion's verdict recorded of whether the criterion is required, and when.</summary>
internal readonly record struct RequiredRecord(DateTimeOffset At, bool Required)
{
    /// <summary>Returns the later of two records; of two at the same time, the one that says required.</summary>
    public static RequiredRecord Latest(RequiredRecord? known, RequiredRecord verdict) =>
        known is not { } k || verdict.At > k.At || (verdict.At == k.At && verdict.Required) ? verdict : k;
}
