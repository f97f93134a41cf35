namespace Dreaming.Core.Tests.Dreams.Mining;

/// <summary>A loop is the same call failing the same way: the same arguments, however the model formatted their JSON.</summary>
public sealed class FindingMinerLoopArgumentsTests
{
    private const string Error = "Error: gift card balance is not enough";

    [Fact]
    public async Task The_same_arguments_with_other_spacing_or_property_order_are_the_same_failing_call()
    {
        // GPT-4o in τ-bench sends one call compact and the next with spaces after ':' and ','.
        const string compact = """{"reservation_id":"HXDUBJ","flights":[{"flight_number":"HAT072","date":"2024-05-19"}],"payment_id":"gift_card_6941833"}""";
        const string spaced = """{"reservation_id": "HXDUBJ", "flights": [{"flight_number": "HAT072", "date": "2024-05-19"}], "payment_id": "gift_card_6941833"}""";
        const string reordered = """{"payment_id":"gift_card_6941833","reservation_id":"HXDUBJ","flights":[{"date":"2024-05-19","flight_number":"HAT072"}]}""";
        var sessions = new List<MiningSessions>();
        for (var i = 0; i < 3; i++)
        {
            sessions.Add(MiningSessions.Failed($"f{i}").Call("update_reservation_flights", compact, Error).Call("update_reservation_flights", i == 0 ? reordered : spaced, Error));
            sessions.Add(MiningSessions.Succeeded($"s{i}").Call("get_reservation_details", """{"reservation_id":"HXDUBJ"}"""));
        }

        var report = await MiningSessions.MineAsync(sessions);

        var loop = Assert.Single(report.Findings, f => f.Pattern == FindingKinds.RepeatedFailingCall);
        Assert.Equal(("update_reservation_flights", "Error: gift card balance is not enough"), (loop.Tool, loop.Signature));
        Assert.Equal((3, 3, 6L, 3L), (loop.Sessions, loop.FailedSessions, loop.Occurrences, loop.WastedCalls));
    }

    [Fact]
    public async Task Other_values_in_the_same_shape_are_other_calls_and_text_that_is_not_json_is_compared_as_sent()
    {
        var sessions = new List<MiningSessions>();
        for (var i = 0; i < 3; i++)
        {
            sessions.Add(MiningSessions.Failed($"values{i}")
                .Call("update_reservation_flights", """{"payment_id":"gift_card_1"}""", Error)
                .Call("update_reservation_flights", """{"payment_id": "gift_card_2"}""", Error)
                .Call("update_reservation_flights", """{"payment_id": 1}""", Error)
                .Call("update_reservation_flights", """{"payment_id": 1.0}""", Error));
            sessions.Add(MiningSessions.Failed($"truncated{i}")
                .Call("book_reservation", """{"amount": 1…""", Error)
                .Call("book_reservation", """{"amount":1…""", Error));
            sessions.Add(MiningSessions.Succeeded($"s{i}").Call("get_reservation_details"));
        }

        var report = await MiningSessions.MineAsync(sessions);

        Assert.DoesNotContain(report.Findings, f => f.Pattern == FindingKinds.RepeatedFailingCall);
    }
}
