/* xenstream-restore: the live backend's executable, exec'd by
 * `xenstream restore` with the same arguments (cli/restore.c). */
#include "common.h"

int main(int argc, char **argv)
{
    return xs_cmd_restore.run(argc, argv);
}
