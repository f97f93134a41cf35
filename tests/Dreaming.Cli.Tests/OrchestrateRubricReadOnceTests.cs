using System.Text;

namespace Dreaming.Cli.Tests;

/// <summary><c>dreaming orchestrate</c> reads each rubric file once: the rubric the plan check loaded is the one the run
/// grades with, so a file changed or removed after the check (once the heading lines are written) cannot fail the run.</summary>
public sealed class OrchestrateRubricReadOnceTests
{
    [Fact]
    public async Task A_rubric_removed_after_the_plan_check_and_the_heading_does_not_fail_the_run()
    {
        using var cli = new CliRunner();
        var rubric = cli.WriteFile("open.md", """
            # Open
            Pass threshold: 1.0

            ## Content
            - Not empty (required) [not-contains: "zz-never-written-zz"]
            """);
        var plan = cli.WriteFile("plan.json", """
            {"goal":"g","agents":[{"name":"w","instructions":"i"}],
             "items":[{"id":"gated","agent":"w","instructions":"x","rubric":"open.md"}]}
            """);

        // The heading is written after the check and before the run: the rubric file goes with its first character.
        using var output = new RemovingWriter(rubric);
        using var error = new StringWriter();

        var exit = await DreamingCommandLine.InvokeAsync(["orchestrate", "--plan", plan, "--db", cli.Database], output, error, environment: CliRunner.NoEnvironment);

        Assert.False(File.Exists(rubric), "the rubric file was removed during the command");
        Assert.True(exit == 0, error.ToString() + output);
        Assert.Contains("status: completed", output.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A writer that removes a file before the first text it is given (the tool writes through its own writer,
    /// which hands on spans).</summary>
    private sealed class RemovingWriter(string path) : StringWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(ReadOnlySpan<char> buffer)
        {
            File.Delete(path);
            base.Write(buffer);
        }

        public override void WriteLine(ReadOnlySpan<char> buffer)
        {
            File.Delete(path);
            base.WriteLine(buffer);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            File.Delete(path);
            base.Write(buffer, index, count);
        }

        public override void Write(char value)
        {
            File.Delete(path);
            base.Write(value);
        }

        public override void Write(string? value)
        {
            File.Delete(path);
            base.Write(value);
        }

        public override void WriteLine(string? value)
        {
            File.Delete(path);
            base.WriteLine(value);
        }
    }
}
