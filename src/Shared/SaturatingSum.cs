using System.Runtime.CompilerServices;

namespace Dreaming;

/// <summary>Sums of token counts and costs that stop at <see cref="long.MaxValue"/> (or <see cref="long.MinValue"/>)
/// instead of wrapping: a cost function that returns a huge value (say <see cref="long.MaxValue"/> for "unknown") keeps a
/// total at its largest, so a budget it passed stays reached, and never throws on the recording path.</summary>
/// <remarks>Shared source, compiled into each assembly that needs it (internal in each). Allocation-free; thread-safe
/// (<see cref="InterlockedAdd"/> for a shared total).</remarks>
internal static class SaturatingSum
{
    /// <summary>Returns <paramref name="a"/> + <paramref name="b"/>, or the bound it passed when it would overflow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Add(long a, long b)
    {
        var sum = unchecked(a + b);

        // An overflow gives a sum whose sign differs from both operands' (which then share one).
        return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? long.MinValue : long.MaxValue) : sum;
    }

    /// <summary>Returns <paramref name="a"/> - <paramref name="b"/>, or the bound it passed when it would overflow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Subtract(long a, long b)
    {
        var difference = unchecked(a - b);

        // An overflow needs operands of different signs, and gives a difference whose sign differs from a's.
        return ((a ^ b) & (a ^ difference)) < 0 ? (a < 0 ? long.MinValue : long.MaxValue) : difference;
    }

    /// <summary>Adds <paramref name="value"/> to <paramref name="location"/> atomically, saturating as <see cref="Add"/>
    /// does (a compare-exchange loop, retried only when another thread changed the total meanwhile).</summary>
    /// <returns>The new total.</returns>
    public static long InterlockedAdd(ref long location, long value)
    {
        var current = Interlocked.Read(ref location);
        while (true)
        {
            var sum = Add(current, value);
            var seen = Interlocked.CompareExchange(ref location, sum, current);
            if (seen == current)
            {
                return sum;
            }

            current = seen;
        }
    }
}
