using Dreaming.Sqlite;

namespace Dreaming.Cli.Tests;

public class InspectCommandTests
{
    [Fact]
    public async Task Sessions_without_a_database_says_where_it_looked()
    {
        using var cli = new CliRunner();
        var (exit, _, error) = await cli.RunAsync("sessions", "--db", cli.Database);
        Assert.Equal(1, exit);
        Assert.Contains(cli.Database, error, StringComparison.Ordinal);
        Assert.False(File.Exists(cli.Database));
    }

    [Fact]
    public async Task Session_show_of_an_unknown_id_fails_naming_it()
    {
        using var cli = new CliRunner();
        await cli.RunAsync("demo", "--db", cli.Database);
        var (exit, _, error) = await cli.RunAsync("session", "show", "nope", "--db", cli.Database);
        Assert.Equal(1, exit);
        Assert.Contains("'nope'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_show_prints_the_timeline()
    {
        using var cli = new CliRunner();
        await cli.RunAsync("demo", "--db", cli.Database);
        var (_, list, _) = await cli.RunAsync("sessions", "--db", cli.Database, "--agent", "support-bot", "--limit", "1");
        var id = list.Split('\n')[1].Split(' ')[0];
        var (exit, output, _) = await cli.RunAsync("session", "show", id, "--db", cli.Database);
        Assert.Equal(0, exit);
        Assert.Contains("session   " + id, output, StringComparison.Ordinal);
        Assert.Contains("tool.call", output, StringComparison.Ordinal);
        Assert.Contains("model.response", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_is_an_alias_of_session_show_with_the_same_output_and_exit_codes()
    {
        using var cli = new CliRunner();
        await cli.RunAsync("demo", "--db", cli.Database);
        var (_, list, _) = await cli.RunAsync("sessions", "--db", cli.Database, "--agent", "support-bot", "--limit", "1");
        var id = list.Split('\n')[1].Split(' ')[0];

        foreach (var json in new[] { false, true })
        {
            string[] tail = json ? ["--db", cli.Database, "--json"] : ["--db", cli.Database];
            var show = await cli.RunAsync(["session", "show", id, .. tail]);
            var inspect = await cli.RunAsync(["inspect", id, .. tail]);
            Assert.Equal(0, inspect.Exit);
            Assert.Contains(id, inspect.Output, StringComparison.Ordinal);
            Assert.Equal(show, inspect);
        }

        var unknownShow = await cli.RunAsync("session", "show", "nope", "--db", cli.Database);
        var unknownInspect = await cli.RunAsync("inspect", "nope", "--db", cli.Database);
        Assert.Equal(1, unknownInspect.Exit);
        Assert.Equal(unknownShow, unknownInspect);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_reported_and_left_untouched()
    {
        using var cli = new CliRunner();
        var path = cli.WriteFile("notes.db", "these are my notes, not a database");
        var (exit, _, error) = await cli.RunAsync("sessions", "--db", path);
        Assert.Equal(1, exit);
        Assert.Contains(path, error, StringComparison.Ordinal);
        Assert.Equal("these are my notes, not a database", File.ReadAllText(path));
    }

    [Fact]
    public async Task An_unknown_status_is_a_usage_error()
    {
        using var cli = new CliRunner();
        var (exit, _, error) = await cli.RunAsync("sessions", "--status", "bogus", "--db", cli.Database);
        Assert.NotEqual(0, exit);
        Assert.Contains("bogus", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_path_with_connection_string_characters_works()
    {
        using var cli = new CliRunner();
        var odd = Path.Combine(cli.Folder, "a;b=c.db");
        var (exit, _, error) = await cli.RunAsync("demo", "--db", odd);
        Assert.True(exit == 0, error);
        Assert.True(File.Exists(odd));
        var (listExit, list, _) = await cli.RunAsync("sessions", "--db", odd, "--limit", "40");
        Assert.Equal(0, listExit);
        Assert.Contains("support-bot", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Control_characters_in_recorded_data_reach_the_terminal_only_escaped_and_json_keeps_them()
    {
        // Imported logs and agent output are untrusted: an escape sequence in a task or message must not retitle, recolour
        // or rewrite the user's terminal (ESC ] 0 ; ... BEL sets the window title; a lone CR overwrites the line).
        using var cli = new CliRunner();
        const string task = "Refund \u001b[31mRED\u001b[0m order\u0007 été 日本 \u009b2J";
        var line = System.Text.Json.JsonSerializer.Serialize(new { id = "ctl-1", task, messages = new[] { new { role = "user", content = "hi \u001b]0;pwned\u0007 there" } }, reward = 1 });
        var file = cli.WriteFile("logs.jsonl", line + "\n");
        Assert.Equal(0, (await cli.RunAsync("import", file, "--db", cli.Database)).Exit);

        var (exit, list, _) = await cli.RunAsync("sessions", "--db", cli.Database);
        Assert.Equal(0, exit);
        var (showExit, show, _) = await cli.RunAsync("session", "show", "ctl-1", "--db", cli.Database);
        Assert.Equal(0, showExit);
        var (_, _, error) = await cli.RunAsync("session", "show", "nope\u001b[2J", "--db", cli.Database);
        foreach (var text in new[] { list, show, error })
        {
            Assert.DoesNotContain(text, c => c is '\u001b' or '\u0007' or '\u009b' or '\r');
        }

        // Fields shown on one line name each control character; anything else written shows it as '?'.
        Assert.Contains(@"Refund \x1B[31mRED\x1B[0m order\x07 été 日本 \x9B2J", show, StringComparison.Ordinal);
        Assert.Contains(@"hi \x1B]0;pwned\x07 there", show, StringComparison.Ordinal);
        Assert.Contains("'nope?[2J'", error, StringComparison.Ordinal);

        var (_, json, _) = await cli.RunAsync("session", "show", "ctl-1", "--db", cli.Database, "--json");
        using var document = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal("Refund \u001b[31mRED\u001b[0m order\u0007 été 日本 \u009b2J", document.RootElement.GetProperty("session").GetProperty("task").GetString());
        Assert.DoesNotContain(json, c => c is '\u001b' or '\u0007' or '\u009b');
    }

    public static TheoryData<string[]> ReadingCommands => new()
    {
        new[] { "sessions" },
        new[] { "sessions", "abandon", "--older-than", "6h" },
        new[] { "session", "show", "ses_1" },
        new[] { "dream", "--agent", "a" },
        new[] { "memory", "list", "--agent", "a" },
        new[] { "memory", "show", "--version", "mv-1" },
        new[] { "webhooks", "list" },
        new[] { "webhooks", "replay", "--all-dead" },
    };

    [Theory]
    [MemberData(nameof(ReadingCommands))]
    public async Task Every_command_that_reads_a_database_says_the_same_when_it_is_missing_and_when_it_is_a_folder(string[] command)
    {
        using var cli = new CliRunner();
        var missing = Path.Combine(cli.Folder, "missing.db");
        var (exit, output, error) = await cli.RunAsync([.. command, "--db", missing]);
        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"error: No database at '{missing}'. Run 'dreaming demo' or 'dreaming import' first, or pass --db (or set DREAMING_DB).", error.TrimEnd());
        Assert.False(File.Exists(missing));

        var folder = Directory.CreateDirectory(Path.Combine(cli.Folder, "a-folder")).FullName;
        (exit, output, error) = await cli.RunAsync([.. command, "--db", folder]);
        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"error: '{folder}' is a folder, not a database file; pass --db (or set DREAMING_DB) with the path of the database file.", error.TrimEnd());
    }

    public static TheoryData<string[], string> OutOfRangeNumbers => new()
    {
        { new[] { "sessions", "--limit", "0" }, "--limit must be between 1 and 1,000; got 0." },
        { new[] { "sessions", "--limit", "1001" }, "--limit must be between 1 and 1,000; got 1001." },
        { new[] { "memory", "list", "--agent", "a", "--limit", "-3" }, "--limit must be between 1 and 1,000; got -3." },
        { new[] { "webhooks", "list", "--limit", "10001" }, "--limit must be between 1 and 10,000; got 10001." },
        { new[] { "dream", "--agent", "a", "--max-sessions", "0" }, "--max-sessions must be between 1 and 1,000,000; got 0." },
        { new[] { "dream", "--agent", "a", "--min-sessions", "0" }, "--min-sessions must be between 1 and 1,000,000; got 0." },
    };

    [Theory]
    [MemberData(nameof(OutOfRangeNumbers))]
    public async Task An_out_of_range_number_is_refused_naming_the_option_its_range_and_the_value(string[] command, string message)
    {
        using var cli = new CliRunner();
        File.WriteAllText(cli.Database, string.Empty); // an empty file is an empty SQLite database
        var (exit, _, error) = await cli.RunAsync([.. command, "--db", cli.Database]);
        Assert.Equal(1, exit);
        Assert.Equal(message, error.Trim());
    }

    [Fact]
    public async Task A_library_error_about_an_option_is_one_line_on_standard_error()
    {
        using var cli = new CliRunner();
        File.WriteAllText(cli.Database, string.Empty);
        var (exit, _, error) = await cli.RunAsync("dream", "--agent", "a", "--max-sessions", "10", "--min-sessions", "20", "--db", cli.Database);
        Assert.Equal(1, exit);
        Assert.StartsWith("error: MinSessions must be between 1 and MaxSessions (10)", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task An_unknown_id_is_reported_in_the_same_words_by_every_command()
    {
        using var cli = new CliRunner();
        File.WriteAllText(cli.Database, string.Empty);
        var (showExit, _, show) = await cli.RunAsync("memory", "show", "--version", "mv-nope", "--db", cli.Database);
        var (approveExit, _, approve) = await cli.RunAsync("memory", "approve", "mv-nope", "--db", cli.Database);
        var (diffExit, _, diff) = await cli.RunAsync("memory", "diff", "mv-nope", "mv-nope", "--db", cli.Database);
        Assert.Equal([1, 1, 1], new[] { showExit, approveExit, diffExit });
        Assert.Equal("error: Memory version 'mv-nope' does not exist.", show.TrimEnd());
        Assert.Equal(show, approve);
        Assert.Equal(show, diff);

        var (sessionExit, _, session) = await cli.RunAsync("session", "show", "ses_nope", "--db", cli.Database);
        Assert.Equal(1, sessionExit);
        Assert.Equal($"error: Session 'ses_nope' does not exist in '{cli.Database}'.", session.TrimEnd());
    }

    public static TheoryData<string[], string> FolderInputs => new()
    {
        { new[] { "grade", "--rubric", "{folder}", "--input", "{file}" }, "The rubric" },
        { new[] { "grade", "--rubric", "{file}", "--input", "{folder}" }, "The input" },
        { new[] { "import", "{folder}" }, "The file to import" },
        { new[] { "orchestrate", "--plan", "{folder}" }, "The plan file" },
    };

    [Theory]
    [MemberData(nameof(FolderInputs))]
    public async Task A_folder_given_as_an_input_file_is_named_as_a_folder(string[] command, string what)
    {
        using var cli = new CliRunner();
        var folder = Directory.CreateDirectory(Path.Combine(cli.Folder, "a-folder")).FullName;
        var file = cli.WriteFile("rubric.md", "# Rubric\n\n- [contains: x] Says x\n");
        var (exit, output, error) = await cli.RunAsync([.. command.Select(a => a.Replace("{folder}", folder, StringComparison.Ordinal).Replace("{file}", file, StringComparison.Ordinal)), "--db", cli.Database]);
        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"error: {what} '{folder}' is a folder, not a file.", error.TrimEnd());
    }

    [Fact]
    public async Task Ids_agents_and_outcome_labels_from_an_imported_log_are_shown_escaped_like_the_other_fields()
    {
        // A right-to-left override in an id reverses the rest of the line in the terminal (the status and outcome columns
        // read backwards), and an ESC in the agent id printed as '?' unlike the task beside it. An import now refuses an
        // agent id holding a control character (stores.md, Ids), so the ESC one is written as a database of an older build
        // (or an app writing its store directly) holds it.
        using var cli = new CliRunner();
        var line = System.Text.Json.JsonSerializer.Serialize(new { id = "rtl-\u202Edeliaf", task = "t", messages = new[] { new { role = "user", content = "hi" } }, reward = 1 });
        var file = cli.WriteFile("logs.jsonl", line + "\n");
        Assert.Equal(0, (await cli.RunAsync("import", file, "--db", cli.Database)).Exit);
        using (var store = new SqliteTraceStore("Data Source=" + cli.Database))
        {
            var start = new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
            Assert.Equal(1, await store.ImportAsync(
            [
                new SessionWithEvents(new SessionRecord { Id = "older", AgentId = "bot\u001b[8m", Task = "t", Status = SessionStatus.Completed, StartedAt = start, EndedAt = start.AddSeconds(1) }, []),
            ]));
        }

        var (exit, list, _) = await cli.RunAsync("sessions", "--db", cli.Database);
        Assert.Equal(0, exit);
        var (showExit, show, _) = await cli.RunAsync("session", "show", "rtl-\u202Edeliaf", "--db", cli.Database);
        Assert.Equal(0, showExit);
        var (olderExit, older, _) = await cli.RunAsync("session", "show", "older", "--db", cli.Database);
        Assert.Equal(0, olderExit);
        foreach (var text in new[] { list, show, older })
        {
            Assert.DoesNotContain(text, c => c is '\u202E' or '\u001b');
        }

        Assert.Contains(@"rtl-\u202Edeliaf", list, StringComparison.Ordinal);
        Assert.Contains(@"rtl-\u202Edeliaf", show, StringComparison.Ordinal);
        Assert.Contains(@"bot\x1B[8m", list, StringComparison.Ordinal);
        Assert.Contains(@"bot\x1B[8m", older, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_import_agent_id_with_a_control_character_is_refused_naming_it_without_printing_it()
    {
        using var cli = new CliRunner();
        var line = System.Text.Json.JsonSerializer.Serialize(new { id = "s1", task = "t", messages = new[] { new { role = "user", content = "hi" } } });
        var file = cli.WriteFile("logs.jsonl", line + "\n");

        var (exit, output, error) = await cli.RunAsync("import", file, "--agent", "bot\u001b[8m", "--db", cli.Database);

        // A parse error naming --agent, as one with half a surrogate pair is: the usage on standard output (without --json).
        Assert.Equal(1, exit);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.DoesNotContain(output, c => c is '\u001b');
        Assert.Contains("--agent has the control character U+001B at index 3", error, StringComparison.Ordinal);
        Assert.DoesNotContain(error, c => c is '\u001b');
        Assert.False(File.Exists(cli.Database));
    }
}
