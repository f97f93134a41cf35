namespace Dreaming;

/// <summary>The longest wait a <see cref="TimeProvider"/> timer (and so <c>Task.Delay</c>) takes: an interval the library
/// waits on a timer is refused above it when it is set, rather than throwing from the wait once the host runs.</summary>
internal static class TimerLimits
{
    /// <summary>uint.MaxValue - 1 milliseconds: 49.17:02:47.2940000.</summary>
    internal static readonly TimeSpan LongestWait = TimeSpan.FromMilliseconds(uint.MaxValue - 1);
}
