namespace Dreaming.PostgreSql;

/// <summary>The stretches a row's body differs from the body set aside in (<see cref="Patch"/>), and the SQL that makes
/// the row's body from the setting with those stretches replaced (<see cref="PatchedBody"/>), so that only they are sent
/// after the lock.</summary>
internal sealed partial class PostgresWebhookStash
{
    /// <summary>The most characters, in all, of the stretches a row's body may differ from the body set aside in, replaced
    /// or placed, and still be written from it: the version number, a version id, a character of each cut text, with room
    /// to spare, well within a round trip of a few hundred bytes.</summary>
    public const int MaxPatchChars = 1024;

    /// <summary>The most stretches a row's body may differ from the body set aside in and still be written from it: the
    /// number, a parent id and a text cut to <see cref="WebhookOptions.MaxPayloadBytes"/> each, for a completion with ten
    /// quarantines or a version of a few dozen insights; each costs a few dozen bytes of statement.</summary>
    public const int MaxStretches = 32;

    /// <summary>How many characters two bodies must go on alike after a stretch where they differ, unless both end sooner.</summary>
    private const int Anchor = 16;

    /// <summary>What to replace in <paramref name="stashed"/> to make <paramref name="written"/>: the stretches where they
    /// differ, each between two runs they share, in characters as PostgreSQL counts them (code points, from 1), in order;
    /// none when they are equal; <see langword="null"/> when the stretches replace more than <see cref="MaxPatchChars"/>
    /// characters, or place more, or are more than <see cref="MaxStretches"/>. Several stretches, not one: a number one
    /// digit longer moves each text cut to <see cref="WebhookOptions.MaxPayloadBytes"/> by a character, and the one stretch
    /// from the number to the last cut held the texts between (a body sent whole after the lock). After each stretch both
    /// bodies go on alike for <see cref="Anchor"/> characters, or to their ends: the nearest such point is taken (the
    /// fewest characters replaced and placed), so the stretches make <paramref name="written"/> whatever they are. A body
    /// is ASCII (the JSON writer escapes every other character, and control characters), so its positions are the same in
    /// characters, code points and bytes, whatever the database's encoding (PostgreSQL counts bytes in SQL_ASCII);
    /// counting code points keeps the positions right in a UTF8 database for any text
    /// (<c>PostgresWebhookPatchTests</c>).</summary>
    internal static PostgresWebhookRows.BodyPatch[]? Patch(string stashed, string written)
    {
        var stretches = new List<(int At, int Count, int WrittenAt, int Placed)>();
        int i = 0, j = 0, replaced = 0, placed = 0;
        while (true)
        {
            var common = stashed.AsSpan(i).CommonPrefixLength(written.AsSpan(j));
            var floor = i;
            i += common;
            j += common;
            if (i == stashed.Length && j == written.Length)
            {
                break;
            }

            // Never split a surrogate pair: PostgreSQL counts it as one character.
            if (i > floor && char.IsHighSurrogate(stashed[i - 1]))
            {
                i--;
                j--;
            }

            if (stretches.Count == MaxStretches || !Resync(stashed, i, written, j, MaxPatchChars - replaced, MaxPatchChars - placed, out var a, out var b))
            {
                return null;
            }

            // Both go on alike from there: a pair's second half there is in both, and goes with its first.
            while (i + a < stashed.Length && j + b < written.Length && char.IsLowSurrogate(stashed[i + a]))
            {
                a++;
                b++;
            }

            replaced += a;
            placed += b;
            if (replaced > MaxPatchChars || placed > MaxPatchChars)
            {
                return null;
            }

            stretches.Add((i, a, j, b));
            i += a;
            j += b;
        }

        var patches = new PostgresWebhookRows.BodyPatch[stretches.Count];
        int at = 0, codePoints = 0;
        for (var k = 0; k < patches.Length; k++)
        {
            var (start, count, writtenAt, length) = stretches[k];
            codePoints += CodePoints(stashed.AsSpan(at, start - at));
            var counted = CodePoints(stashed.AsSpan(start, count));
            patches[k] = new PostgresWebhookRows.BodyPatch(codePoints + 1, counted, written.Substring(writtenAt, length));
            codePoints += counted;
            at = start + count;
        }

        return patches;
    }

    /// <summary>The SQL expression of a row's body read from the setting named by the parameter <c>@body</c> with
    /// <paramref name="patches"/> replaced (<see cref="Patch"/>), and its parameters: the body's stretches between them,
    /// cut on the server (<c>substr</c>), and their texts, joined (<c>concat</c>: one copy of the body however many
    /// stretches). A setting this transaction did not set has an empty value, which is no body: the expression is then
    /// <c>NULL</c>, which the row refuses.</summary>
    /// <param name="patches">The stretches to replace, in order; none takes the body as it is.</param>
    /// <returns>The expression, and the parameters it names besides <c>@body</c>.</returns>
    internal static (string Sql, (string Name, object? Value)[] Parameters) PatchedBody(IReadOnlyList<PostgresWebhookRows.BodyPatch> patches)
    {
        const string Body = "NULLIF(current_setting(@body), '')";
        if (patches.Count == 0)
        {
            return (Body, []);
        }

        var sql = new System.Text.StringBuilder("(SELECT concat(");
        var parameters = new List<(string Name, object? Value)>(3 * patches.Count + 1);
        var from = 1;
        for (var k = 0; k < patches.Count; k++)
        {
            var name = "patch_" + k.ToString(System.Globalization.CultureInfo.InvariantCulture);
            sql.Append("substr(s.b, @").Append(name).Append("_from, @").Append(name).Append("_count), @").Append(name).Append("_text, ");
            parameters.Add((name + "_from", from));
            parameters.Add((name + "_count", patches[k].From - from));
            parameters.Add((name + "_text", patches[k].Text));
            from = patches[k].From + patches[k].Count;
        }

        // The body is read once (OFFSET 0 keeps it from being read again for each stretch).
        sql.Append("substr(s.b, @patch_rest)) FROM (SELECT ").Append(Body).Append(" AS b OFFSET 0) AS s WHERE s.b IS NOT NULL)");
        parameters.Add(("patch_rest", from));
        return (sql.ToString(), [.. parameters]);
    }

    // The nearest point after (i, j) from which both go on alike: a characters of the stashed body on, b of the written.
    private static bool Resync(string stashed, int i, string written, int j, int maxReplaced, int maxPlaced, out int a, out int b)
    {
        maxReplaced = Math.Min(maxReplaced, stashed.Length - i);
        maxPlaced = Math.Min(maxPlaced, written.Length - j);
        for (var d = 1; d <= maxReplaced + maxPlaced; d++)
        {
            for (a = Math.Max(0, d - maxPlaced); a <= Math.Min(d, maxReplaced); a++)
            {
                b = d - a;
                var rest = stashed.AsSpan(i + a);
                var other = written.AsSpan(j + b);
                if (rest.Length >= Anchor && other.Length >= Anchor ? rest[..Anchor].SequenceEqual(other[..Anchor]) : rest.SequenceEqual(other))
                {
                    return true;
                }
            }
        }

        a = b = 0;
        return false;
    }

    private static int CodePoints(ReadOnlySpan<char> text)
    {
        if (System.Text.Ascii.IsValid(text))
        {
            return text.Length;
        }

        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (!(char.IsLowSurrogate(text[i]) && i > 0 && char.IsHighSurrogate(text[i - 1])))
            {
                count++;
            }
        }

        return count;
    }
}
