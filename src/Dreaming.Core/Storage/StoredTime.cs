namespace Dreaming;

/// <summary>Times as the stores keep them: to the millisecond, in UTC.</summary>
internal static class StoredTime
{
    /// <summary>Cuts a time to the millisecond, in UTC.</summary>
    /// <param name="value">The time.</param>
    /// <returns>The time as stored.</returns>
    public static DateTimeOffset Of(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());
}
