namespace Dreaming.Tests;

public class TranscriptTrackerTests
{
    [Fact]
    public void Only_the_names_of_the_most_recent_tool_calls_are_kept()
    {
        var tracker = new TranscriptTracker();
        for (var i = 0; i <= TranscriptTracker.MaxToolCalls; i++)
        {
            tracker.RememberToolName("call" + i, "tool" + i);
        }

        Assert.Null(tracker.ToolName("call0"));
        Assert.Equal("tool1", tracker.ToolName("call1"));
        Assert.Equal("tool" + TranscriptTracker.MaxToolCalls, tracker.ToolName("call" + TranscriptTracker.MaxToolCalls));
    }
}
