/* agent_node.h — the guest agent of --backend vms (agent_node.c): serves
 * the host's commands on the control port fd (read and write) until "quit".
 * The protocol is described at the top of agent_node.c. */
#ifndef WGB_AGENT_NODE_H
#define WGB_AGENT_NODE_H

int agent_node_serve(int fd);

#endif
