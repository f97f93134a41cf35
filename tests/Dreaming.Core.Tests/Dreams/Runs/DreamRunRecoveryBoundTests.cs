namespace Dreaming.Tests.Dreams.Runs;

/// <summary><see cref="DreamRunRecovery.LeaseBound"/> at the edge of the calendar: a time less than
/// <see cref="DreamRunRecovery.ExpiredFor"/> after <see cref="DateTimeOffset.MinValue"/> bounds nothing, rather than
/// throwing DateTimeOffset's own exception, which named neither property.</summary>
public sealed class DreamRunRecoveryBoundTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(1, 14)]
    public void A_time_closer_to_the_first_instant_than_the_margin_bounds_no_lease(int hoursAfterMin, int offsetHours)
    {
        var offset = TimeSpan.FromHours(offsetHours);
        var now = new DateTimeOffset(DateTime.MinValue.AddHours(hoursAfterMin + Math.Max(0, offsetHours)), offset);
        var recovery = new DreamRunRecovery { ExpiredFor = TimeSpan.FromHours(2), Now = now };

        Assert.Equal(DateTimeOffset.MinValue, recovery.LeaseBound(now));
    }

    [Fact]
    public void A_time_whose_local_clock_is_closer_to_the_first_instant_than_the_margin_is_counted_back_in_utc()
    {
        // 01:00 on the first day at UTC-12 is 13:00 UTC: two hours earlier is 11:00 UTC, which that offset cannot show.
        var now = new DateTimeOffset(DateTime.MinValue.AddHours(1), TimeSpan.FromHours(-12));

        Assert.Equal(new DateTimeOffset(DateTime.MinValue.AddHours(11), TimeSpan.Zero), new DreamRunRecovery { ExpiredFor = TimeSpan.FromHours(2) }.LeaseBound(now));
    }

    [Fact]
    public void A_time_far_enough_from_the_first_instant_is_counted_back_by_the_margin()
    {
        var now = new DateTimeOffset(2026, 11, 28, 9, 0, 0, TimeSpan.FromHours(1));

        Assert.Equal(now.AddHours(-2), new DreamRunRecovery { ExpiredFor = TimeSpan.FromHours(2) }.LeaseBound(now));
        Assert.Equal(DateTimeOffset.MinValue.AddHours(2), new DreamRunRecovery { ExpiredFor = TimeSpan.FromHours(2) }.LeaseBound(DateTimeOffset.MinValue.AddHours(4)));
    }

    [Fact]
    public async Task A_recovery_at_the_first_instant_with_a_margin_ends_nothing()
    {
        var store = new InMemoryDreamRunStore();

        var recovered = await store.RecoverAsync(new DreamRunRecovery { ExpiredFor = TimeSpan.FromHours(2), Now = DateTimeOffset.MinValue.AddHours(1) });

        Assert.Empty(recovered);
    }
}
