# What the setup scripts of this track share. Sourced, as root, from the learner's home.
#
# A learner may skip a challenge, so each setup first makes sure that the repository is in
# the state its challenge starts from, building what is missing as the learner would have.

home=$PWD

# Runs git in ~/project as the learner, so that what it writes belongs to the learner.
learner_git() {
    setpriv --reuid=1000 --regid=1000 --clear-groups \
        env HOME="$home" USER=learner \
        git -c user.name='Rosette Learner' -c user.email=learner@example.org \
        -C "$home/project" "$@"
}

# Writes standard input to a file in ~/project, as the learner.
learner_write() {
    setpriv --reuid=1000 --regid=1000 --clear-groups tee "$home/project/$1" > /dev/null
}

# Makes sure ~/project is a repository with at least one commit on main.
ensure_repository() {
    if [ ! -d "$home/project/.git" ]; then
        setpriv --reuid=1000 --regid=1000 --clear-groups mkdir -p "$home/project"
        learner_git init --quiet --initial-branch=main
    fi
    if ! learner_git rev-parse --quiet --verify refs/heads/main > /dev/null; then
        printf '# Greeter\n\nA tiny project for learning Git.\n' | learner_write README.md
        learner_git add README.md
        learner_git commit --quiet -m 'Add a README'
    fi
}

# Makes sure the branch feature/greeting exists with greeting.txt committed on it, without
# touching the learner's working tree.
ensure_feature_branch() {
    if learner_git rev-parse --quiet --verify refs/heads/feature/greeting > /dev/null; then
        return
    fi
    local blob tree commit
    blob=$(printf 'Hello from a branch\n' | learner_git hash-object -w --stdin)
    tree=$( (learner_git ls-tree main | grep -v $'\tgreeting.txt$' || true
        printf '100644 blob %s\tgreeting.txt\n' "$blob") | learner_git mktree)
    commit=$(learner_git commit-tree "$tree" -p main -m 'Add a greeting')
    learner_git branch feature/greeting "$commit"
}

# Puts the learner on main, keeping any uncommitted work in a stash and abandoning a merge
# that was not finished.
switch_to_main() {
    if learner_git rev-parse --quiet --verify MERGE_HEAD > /dev/null; then
        learner_git merge --abort
    fi
    if [ -n "$(learner_git status --porcelain)" ]; then
        learner_git stash push --quiet --include-untracked -m 'saved by a challenge setup'
    fi
    learner_git switch --quiet main
}
