using System.Text;
using Npgsql;

namespace Dreaming.PostgreSql.Tests.Webhooks;

/// <summary>Random pairs of bodies (edits of a few characters here and there, characters of one to four UTF-8 bytes, a
/// surrogate pair in .NET, at the edges of the stretches too) patched as a row's body is
/// (<see cref="PostgresWebhookStash.Patch"/>, <see cref="PostgresWebhookStash.PatchedBody"/>): what the server makes is
/// the written body, whatever the stretches; the server counts code points, .NET UTF-16 units, and no stretch splits a
/// pair.</summary>
public sealed class PostgresWebhookPatchFuzzTests : PostgresStoreFixture
{
    private static readonly string[] Pieces = ["a", "b", "k", "1", "9", "\"", ",", " ", "\u00e9", "\u20ac", "\U0001F600", "\U0001F601", "\U00010600"];

    [Fact]
    public void Random_edits_are_patched_to_the_written_body_counting_code_points_and_never_splitting_a_pair()
    {
        var random = new Random(20261128);
        var patched = 0;
        for (var round = 0; round < 3_000; round++)
        {
            var (stashed, written, edits) = Pair(random);
            var patches = PostgresWebhookStash.Patch(stashed, written);
            if (edits <= 4)
            {
                // A few edits of at most a few characters each are a few short stretches.
                Assert.NotNull(patches);
            }

            if (patches is null)
            {
                continue;
            }

            patched++;
            Assert.All(patches, patch => Assert.Equal(-1, LoneSurrogate(patch.Text)));
            Assert.Equal(written, Server(stashed, PostgresWebhookStash.PatchedBody(patches).Parameters));
        }

        Assert.InRange(patched, 2_000, 3_000);
    }

    [Fact]
    public async Task The_server_makes_the_written_body_of_random_edits_from_the_one_set_aside()
    {
        var random = new Random(1128);
        await using var connection = new NpgsqlConnection(PostgresTestServer.ConnectionString + ";Search Path=" + Schema);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        for (var round = 0; round < 200; round++)
        {
            var (stashed, written, _) = Pair(random);
            if (PostgresWebhookStash.Patch(stashed, written) is not { } patches)
            {
                continue;
            }

            Assert.Equal(written, await PostgresWebhookPatchTests.PatchedOnServerAsync(transaction, stashed, patches));
        }
    }

    /// <summary>A body of pieces, and one edited in places: pieces inserted, removed or replaced.</summary>
    private static (string Stashed, string Written, int Edits) Pair(Random random)
    {
        var pieces = Enumerable.Range(0, random.Next(0, 400)).Select(_ => Pieces[random.Next(Pieces.Length)]).ToList();
        var stashed = string.Concat(pieces);
        var edits = random.Next(0, 8);
        for (var e = 0; e < edits; e++)
        {
            var at = random.Next(pieces.Count + 1);
            switch (random.Next(3))
            {
                case 0:
                    pieces.InsertRange(at, Enumerable.Range(0, random.Next(1, 4)).Select(_ => Pieces[random.Next(Pieces.Length)]));
                    break;
                case 1 when at < pieces.Count:
                    pieces.RemoveRange(at, Math.Min(random.Next(1, 4), pieces.Count - at));
                    break;
                default:
                    if (at < pieces.Count)
                    {
                        pieces[at] = Pieces[random.Next(Pieces.Length)];
                    }

                    break;
            }
        }

        return (stashed, string.Concat(pieces), edits);
    }

    /// <summary>What PostgreSQL makes of the expression's parameters: <c>substr</c> counting code points, from 1.</summary>
    private static string Server(string stashed, (string Name, object? Value)[] parameters)
    {
        var body = stashed.EnumerateRunes().ToArray();
        var values = parameters.ToDictionary(p => p.Name, p => p.Value);
        string Substr(int from, int? count) =>
            string.Concat(body.Skip(from - 1).Take(count ?? int.MaxValue).Select(rune => rune.ToString()));
        var built = new StringBuilder();
        for (var k = 0; values.ContainsKey($"patch_{k}_from"); k++)
        {
            var count = (int)values[$"patch_{k}_count"]!;
            Assert.True(count >= 0, "substr refuses a negative length");
            built.Append(Substr((int)values[$"patch_{k}_from"]!, count)).Append((string)values[$"patch_{k}_text"]!);
        }

        // No stretch: the body as it is.
        return values.TryGetValue("patch_rest", out var rest) ? built.Append(Substr((int)rest!, null)).ToString() : stashed;
    }

    private static int LoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
