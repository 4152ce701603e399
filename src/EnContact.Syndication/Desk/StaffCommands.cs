using System.CommandLine;
using System.Text;
using EnContact.Syndication.Delivery;
using EnContact.Syndication.Storage;

namespace EnContact.Syndication.Desk;

/// <summary>
/// The desk's accounts, managed on the server: <c>staff add|list|remove|password</c>. A password is
/// never an argument (it would stay in the shell's history and in the process list): it is read from
/// <see cref="PasswordVariable"/>, else from standard input (first line), else asked for without echo.
/// </summary>
public static class StaffCommands
{
    public const string PasswordVariable = "ENCONTACT_STAFF_PASSWORD";

    public static Command Build(VerbRunner run)
    {
        var staff = new Command("staff", "The editor's desk accounts (/admin): add, list, remove, change a password.");

        var name = new Argument<string>("name") { Description = "The account's name (letters, digits, '.', '_', '-'), e.g. claire." };
        var role = new Option<string>("--role") { Description = "editor (editions, articles, feeds) or administrator (also subscribers and settings).", Required = true };
        role.AcceptOnlyFromAmong(EnumText.All<StaffRole>().ToArray());
        var email = new Option<string>("--email") { Description = "Where test copies and announcements go.", Required = true };
        var add = new Command("add", $"Create an account; the password comes from {PasswordVariable} or standard input, never the command line.");
        add.Arguments.Add(name);
        add.Options.Add(role);
        add.Options.Add(email);
        add.SetAction((parse, ct) => run((app, token) => AddAsync(app, parse.GetValue(name)!, parse.GetValue(role)!, parse.GetValue(email)!, token), ct));
        staff.Subcommands.Add(add);

        var list = new Command("list", "Every account: name, role, address, last sign-in, lock-out.");
        list.SetAction((_, ct) => run(ListAsync, ct));
        staff.Subcommands.Add(list);

        var remove = new Command("remove", "Delete an account; its open sessions end at their next request.");
        remove.Arguments.Add(name);
        remove.SetAction((parse, ct) => run((app, token) => RemoveAsync(app, parse.GetValue(name)!, token), ct));
        staff.Subcommands.Add(remove);

        var password = new Command("password", $"Set a new password (from {PasswordVariable} or standard input); lifts a lock-out and ends open sessions.");
        password.Arguments.Add(name);
        password.SetAction((parse, ct) => run((app, token) => PasswordAsync(app, parse.GetValue(name)!, token), ct));
        staff.Subcommands.Add(password);
        return staff;
    }

    private static async Task<int> AddAsync(WebApplication app, string rawName, string roleText, string rawEmail, CancellationToken cancellationToken)
    {
        if (StaffPasswords.NormalizeName(rawName) is not { } name)
            return Fail($"name: '{rawName}' is not an account name (1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit)");
        if (!MailInput.TryNormalizeAddress("--email", rawEmail, out var email, out var emailProblem))
            return Fail(emailProblem);
        if (ReadPassword() is not { } password)
            return 1;
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var hash = app.Services.GetRequiredService<StaffPasswords>().Hash(password);
        if (!await app.Services.GetRequiredService<StaffStore>().AddAsync(name, email, EnumText.Parse<StaffRole>(roleText, "role"), hash, cancellationToken))
            return Fail($"an account named '{name}' already exists (change its password with 'staff password {name}')");
        Console.WriteLine($"account {name} created ({roleText}, {email})");
        return 0;
    }

    private static async Task<int> ListAsync(WebApplication app, CancellationToken cancellationToken)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var now = app.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var members = await app.Services.GetRequiredService<StaffStore>().ListAsync(cancellationToken);
        Console.WriteLine($"{"NAME",-20} {"ROLE",-14} {"EMAIL",-32} {"LAST SIGN-IN",-22} STATE");
        foreach (var m in members)
        {
            var state = m.LockedUntil is { } until && until > now ? $"locked until {until:u}" : m.FailedSignIns > 0 ? $"{m.FailedSignIns} failed sign-in(s)" : "ok";
            Console.WriteLine($"{m.Name,-20} {EnumText.Of(m.Role),-14} {m.Email,-32} {(m.LastSignInAt is { } at ? at.ToString("u") : "never"),-22} {state}");
        }
        Console.WriteLine($"{members.Count} account(s)");
        return 0;
    }

    private static async Task<int> RemoveAsync(WebApplication app, string rawName, CancellationToken cancellationToken)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var name = StaffPasswords.NormalizeName(rawName);
        if (name is null || !await app.Services.GetRequiredService<StaffStore>().RemoveAsync(name, cancellationToken))
            return Fail($"no account is named '{rawName}' (see 'staff list')");
        Console.WriteLine($"account {name} removed");
        return 0;
    }

    private static async Task<int> PasswordAsync(WebApplication app, string rawName, CancellationToken cancellationToken)
    {
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(cancellationToken);
        var store = app.Services.GetRequiredService<StaffStore>();
        var name = StaffPasswords.NormalizeName(rawName);
        if (name is null || await store.FindAsync(name, cancellationToken) is null)
            return Fail($"no account is named '{rawName}' (see 'staff list')");
        if (ReadPassword() is not { } password)
            return 1;
        await store.SetPasswordAsync(name, app.Services.GetRequiredService<StaffPasswords>().Hash(password), cancellationToken);
        Console.WriteLine($"password of {name} changed; its open sessions are ended");
        return 0;
    }

    /// <summary>The new password, checked; null (with the reason on standard error) when there is none fit to use.</summary>
    private static string? ReadPassword()
    {
        string? password = Environment.GetEnvironmentVariable(PasswordVariable);
        if (string.IsNullOrEmpty(password))
        {
            if (Console.IsInputRedirected)
                password = Console.In.ReadLine();
            else
            {
                password = Prompt("Password: ");
                if (Prompt("Again: ") != password)
                {
                    Fail("the two passwords differ");
                    return null;
                }
            }
        }
        if (string.IsNullOrEmpty(password))
        {
            Fail($"no password: set {PasswordVariable} or write it on standard input");
            return null;
        }
        if (StaffPasswords.Problem(password) is { } problem)
        {
            Fail(problem);
            return null;
        }
        return password;
    }

    private static string Prompt(string label)
    {
        Console.Error.Write(label);
        var typed = new StringBuilder();
        while (Console.ReadKey(intercept: true) is var key && key.Key != ConsoleKey.Enter)
        {
            if (key.Key == ConsoleKey.Backspace && typed.Length > 0)
                typed.Length--;
            else if (!char.IsControl(key.KeyChar))
                typed.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return typed.ToString();
    }

    private static int Fail(string problem)
    {
        Console.Error.WriteLine(problem);
        return 1;
    }
}
