using System.Globalization;
using NpgsqlTypes;

namespace EnContact.Syndication.Storage;

/// <summary>
/// One column a copy moves, with the PostgreSQL type it lands in (read from the target's
/// <c>information_schema.columns</c>). SQLite keeps whatever a row was given, so each value is
/// checked against that type on the way: text stays text, integers stay integers, and a value the
/// target cannot hold as it is stops the copy instead of being bent to fit.
/// </summary>
public sealed record CopyColumn(string SourceName, string TargetName, string TargetType, NpgsqlDbType WireType)
{
    /// <summary>The column of <paramref name="targetType"/> (<c>information_schema.columns.data_type</c>), or null for a type the copy does not move.</summary>
    public static CopyColumn? For(string sourceName, string targetName, string targetType) =>
        targetType switch
        {
            "text" => new(sourceName, targetName, targetType, NpgsqlDbType.Text),
            "character varying" => new(sourceName, targetName, targetType, NpgsqlDbType.Varchar),
            "character" => new(sourceName, targetName, targetType, NpgsqlDbType.Char),
            "smallint" => new(sourceName, targetName, targetType, NpgsqlDbType.Smallint),
            "integer" => new(sourceName, targetName, targetType, NpgsqlDbType.Integer),
            "bigint" => new(sourceName, targetName, targetType, NpgsqlDbType.Bigint),
            "boolean" => new(sourceName, targetName, targetType, NpgsqlDbType.Boolean),
            "double precision" => new(sourceName, targetName, targetType, NpgsqlDbType.Double),
            "real" => new(sourceName, targetName, targetType, NpgsqlDbType.Real),
            "bytea" => new(sourceName, targetName, targetType, NpgsqlDbType.Bytea),
            _ => null,
        };

    /// <summary>
    /// <paramref name="value"/> (as SQLite returns it: string, long, double or byte[]) as this column's
    /// type, or null with <paramref name="problem"/> saying why it does not fit.
    /// </summary>
    public object? Convert(object value, out string? problem)
    {
        problem = null;
        switch (WireType, value)
        {
            case (NpgsqlDbType.Text or NpgsqlDbType.Varchar or NpgsqlDbType.Char, string text):
                return text;
            // A number in a text column reads back as the same digits.
            case (NpgsqlDbType.Text or NpgsqlDbType.Varchar or NpgsqlDbType.Char, long number):
                return number.ToString(CultureInfo.InvariantCulture);
            case (NpgsqlDbType.Bigint, long number):
                return number;
            case (NpgsqlDbType.Integer, long number) when number is >= int.MinValue and <= int.MaxValue:
                return (int)number;
            case (NpgsqlDbType.Smallint, long number) when number is >= short.MinValue and <= short.MaxValue:
                return (short)number;
            case (NpgsqlDbType.Boolean, long number and (0 or 1)):
                return number == 1;
            case (NpgsqlDbType.Double, long number):
                return (double)number;
            case (NpgsqlDbType.Double, double real):
                return real;
            case (NpgsqlDbType.Real, double real) when (float)real == real:
                return (float)real;
            case (NpgsqlDbType.Bytea, byte[] bytes):
                return bytes;
        }
        problem = $"{Describe(value)} does not fit a {TargetType} column";
        return null;
    }

    private static string Describe(object value) => value switch
    {
        // Never the text itself: it may be a reader's address.
        string text => $"a text of {text.Length} character(s)",
        long number => $"the integer {number}",
        double real => $"the real number {real.ToString(CultureInfo.InvariantCulture)}",
        byte[] bytes => $"{bytes.Length} bytes of binary data",
        _ => $"a {value.GetType().Name}",
    };
}
